'use strict'
// Shared setup for produce.js / consume.js / offsets.js: broker address from the
// environment, quiet logging, an overall deadline and uniform failure reporting,
// so the .NET tests only have to check the exit code, stdout and stderr.
const path = require('path')
const { Kafka, logLevel } = require('kafkajs')

const script = path.basename(require.main.filename)

// Fail with a one-line reason on stderr. Exit codes: 1 failure, 2 bad usage, 3 timeout.
function fail(message, code = 1) {
  process.stderr.write(`${script}: ${message}\n`)
  process.exit(code)
}

// Write everything to stdout first, then exit: process.exit() must not cut output short.
function finish(text) {
  process.stdout.write(text, () => process.exit(0))
}

function usage(argsText, count) {
  const args = process.argv.slice(2)
  if (args.length !== count) fail(`usage: node ${script} ${argsText}`, 2)
  return args
}

// A count argument must be a whole number >= 0.
function parseCount(text, name) {
  if (!/^\d+$/.test(text)) fail(`${name} must be a non-negative integer, got "${text}"`, 2)
  return Number(text)
}

// The script must end by itself even if the broker hangs, so a test never waits forever.
const timeoutMs = Number(process.env.TIMEOUT_MS || 30000)
setTimeout(() => fail(`timed out after ${timeoutMs} ms`, 3), timeoutMs)

const brokersEnv = process.env.KAFKA_BROKERS
if (!brokersEnv) fail('KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:9092)', 2)

// Only errors are logged, to stderr, so stdout carries nothing but the script's result.
const logCreator = () => ({ namespace, label, log }) => {
  const { message, timestamp, logger, ...extra } = log
  process.stderr.write(`[kafkajs ${label}] ${namespace}: ${message} ${JSON.stringify(extra)}\n`)
}

const kafka = new Kafka({
  clientId: `cep-kafkajs-${script.replace(/\.js$/, '')}`,
  brokers: brokersEnv.split(',').map(b => b.trim()).filter(Boolean),
  logLevel: logLevel.ERROR,
  logCreator,
})

// Run the script body; any thrown error becomes a clear stderr line and exit code 1.
function main(body) {
  body().catch(err => fail(`error: ${err && err.stack ? err.stack : err}`))
}

module.exports = { kafka, fail, finish, usage, parseCount, main }
