'use strict'
// Usage: node produce.js TOPIC COUNT
// Creates TOPIC if missing (env PARTITIONS, default 1), then produces COUNT records
// key-<i> / value-<i> with header source=kafkajs, idempotently with acks=all.
// Prints "produced <COUNT>" on success.
const { Partitioners } = require('kafkajs')
const { kafka, fail, finish, usage, parseCount, main } = require('./common')

const [topic, countText] = usage('TOPIC COUNT', 2)
const count = parseCount(countText, 'COUNT')
const partitions = parseCount(process.env.PARTITIONS || '1', 'PARTITIONS')
if (partitions < 1) fail('PARTITIONS must be at least 1', 2)

const BATCH = 100

main(async () => {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = await admin.listTopics()
    if (!existing.includes(topic)) {
      // createTopics also tolerates TOPIC_ALREADY_EXISTS, in case of a race.
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      })
    }
  } finally {
    await admin.disconnect()
  }

  // Idempotence needs acks=-1 and one request in flight; explicit partitioner
  // keeps the kafkajs v2 default (murmur2, Java-compatible) without a warning.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  try {
    for (let start = 0; start < count; start += BATCH) {
      const messages = []
      for (let i = start; i < Math.min(start + BATCH, count); i++) {
        messages.push({
          key: `key-${i}`,
          value: `value-${i}`,
          headers: { source: 'kafkajs' },
          timestamp: Date.now().toString(),
        })
      }
      await producer.send({ topic, acks: -1, messages })
    }
  } finally {
    await producer.disconnect()
  }

  finish(`produced ${count}\n`)
})
