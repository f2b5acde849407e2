'use strict'
// Usage: node consume.js TOPIC GROUP COUNT
// Joins consumer group GROUP, reads TOPIC from the beginning (when the group has no
// committed offset) until COUNT messages arrived, commits the offsets after those
// messages, then prints one JSON line per message in the order received.
const { kafka, fail, finish, usage, parseCount, main } = require('./common')

const [topic, groupId, countText] = usage('TOPIC GROUP COUNT', 3)
const count = parseCount(countText, 'COUNT')

// Header values arrive as Buffers (an array of them when a name repeats).
function headerText(value) {
  if (Array.isArray(value)) return value.map(headerText)
  return value == null ? null : value.toString('utf8')
}

main(async () => {
  const consumer = kafka.consumer({ groupId })
  const received = []
  const nextOffsets = new Map() // partition -> offset of the next message to read

  let done
  const allReceived = new Promise((resolve, reject) => {
    done = resolve
    // A crash (e.g. a non-retriable broker error) should fail the test, not retry quietly.
    consumer.on(consumer.events.CRASH, e => reject(e.payload.error))
  })
  allReceived.catch(() => {}) // a crash before the await below must not count as unhandled

  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    if (count === 0) done()
    // autoCommit is off so exactly the COUNT collected messages are committed, below.
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (received.length >= count) return // ignore anything past COUNT
        const headers = {}
        for (const [name, value] of Object.entries(message.headers || {})) {
          headers[name] = headerText(value)
        }
        received.push({
          partition,
          offset: message.offset,
          key: message.key == null ? null : message.key.toString('utf8'),
          value: message.value == null ? null : message.value.toString('utf8'),
          headers,
          timestamp: message.timestamp,
        })
        nextOffsets.set(partition, (BigInt(message.offset) + 1n).toString())
        if (received.length === count) done()
      },
    })

    await allReceived

    // Commit while the consumer is still running (kafkajs skips commits once stopped).
    if (nextOffsets.size > 0) {
      await consumer.commitOffsets(
        [...nextOffsets].map(([partition, offset]) => ({ topic, partition, offset }))
      )
    }
  } finally {
    await consumer.disconnect()
  }

  finish(received.map(r => JSON.stringify(r) + '\n').join(''))
})
