'use strict'
// Usage: node offsets.js TOPIC GROUP
// Prints the committed offset of GROUP for each partition of TOPIC, one JSON line
// per partition in partition order: {"partition":0,"offset":"10"} ("-1" = none committed).
const { kafka, usage, finish, main } = require('./common')

const [topic, groupId] = usage('TOPIC GROUP', 2)

main(async () => {
  const admin = kafka.admin()
  await admin.connect()
  let result
  try {
    result = await admin.fetchOffsets({ groupId, topics: [topic] })
  } finally {
    await admin.disconnect()
  }

  const partitions = result.flatMap(t => t.partitions).sort((a, b) => a.partition - b.partition)
  finish(partitions.map(p => JSON.stringify({ partition: p.partition, offset: p.offset }) + '\n').join(''))
})
