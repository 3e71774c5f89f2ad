// kafkajs half of the round-trip test, driven by test_kafkajs.py:
//   node roundtrip.js <job.json>
// job: { action, brokers, topic, partitions, codec, input, output }.
// action "roundtrip": creates the topic (admin API), produces the records in
// `input` (JSON from pytest) in order, reads every partition from offset 0 with
// Fetch requests sent on kafkajs's own broker connection (kafkajs consumers
// always join a group, which the broker does not serve yet) and writes what it
// read to `output`. action "delete": deletes the topic (admin API), so pytest
// can read the topic with another client in between.
// Exits non-zero with a message on any error.
'use strict'

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'

const fs = require('fs')
const { Kafka, Partitioners, logLevel } = require('kafkajs')
const { compressionType } = require('./codecs')

const CHUNK = 1000

function createCluster(kafka) {
  // The client's private cluster factory: the only way to reach Broker.fetch.
  const sym = Object.getOwnPropertySymbols(kafka).find(s => s.toString() === 'Symbol(private:Kafka:createCluster)')
  if (!sym) throw new Error('kafkajs internals changed: no createCluster symbol')
  return kafka[sym]({ allowAutoTopicCreation: false })
}

async function produce(kafka, job, records) {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  const acks = []
  try {
    // One send at a time keeps produce order, so per-key order can be checked.
    for (let i = 0; i < records.length; i += CHUNK) {
      const messages = records.slice(i, i + CHUNK).map(r => ({
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers),
        timestamp: String(r.timestamp),
      }))
      const meta = await producer.send({
        topic: job.topic,
        acks: -1,
        compression: compressionType(job.codec),
        messages,
      })
      for (const m of meta) {
        if (m.errorCode !== 0) throw new Error(`produce error ${m.errorCode} on partition ${m.partition}`)
        acks.push({ partition: m.partition, baseOffset: m.baseOffset })
      }
    }
  } finally {
    await producer.disconnect()
  }
  return acks
}

async function fetchAll(kafka, admin, job) {
  const ends = new Map()
  for (const o of await admin.fetchTopicOffsets(job.topic)) ends.set(o.partition, BigInt(o.high))
  const cluster = createCluster(kafka)
  await cluster.connect()
  const out = []
  try {
    await cluster.addTargetTopic(job.topic)
    await cluster.refreshMetadata()
    const byLeader = new Map()
    for (const p of cluster.findTopicPartitionMetadata(job.topic)) {
      if (!byLeader.has(p.leader)) byLeader.set(p.leader, [])
      byLeader.get(p.leader).push(p.partitionId)
    }
    for (const [leader, partitions] of byLeader) {
      const broker = await cluster.findBroker({ nodeId: String(leader) })
      const next = new Map(partitions.map(p => [p, 0n]))
      const deadline = Date.now() + 120000
      while ([...next].some(([p, o]) => o < ends.get(p))) {
        if (Date.now() > deadline) throw new Error(`fetch stalled at ${JSON.stringify([...next].map(String))}`)
        const wanted = [...next].filter(([p, o]) => o < ends.get(p))
        const resp = await broker.fetch({
          replicaId: -1,
          isolationLevel: 0,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 4 << 20,
          topics: [{ topic: job.topic, partitions: wanted.map(([p, o]) => ({ partition: p, fetchOffset: String(o), maxBytes: 1 << 20 })) }],
        })
        for (const t of resp.responses) {
          for (const pd of t.partitions) {
            if (pd.errorCode !== 0) throw new Error(`fetch error ${pd.errorCode} on partition ${pd.partition}`)
            for (const m of pd.messages) {
              const off = BigInt(m.offset)
              // A batch is returned whole, so it may start before the fetch offset.
              if (off < next.get(pd.partition)) continue
              out.push({
                partition: pd.partition,
                offset: Number(off),
                key: m.key === null ? null : m.key.toString('base64'),
                value: m.value === null ? null : m.value.toString('base64'),
                headers: Object.entries(m.headers || {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
                timestamp: Number(m.timestamp),
                timestampType: m.batchContext ? m.batchContext.timestampType : null,
              })
              next.set(pd.partition, off + 1n)
            }
          }
        }
      }
    }
  } finally {
    await cluster.disconnect()
  }
  return { records: out, ends: Object.fromEntries([...ends].map(([p, o]) => [p, Number(o)])) }
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  const kafka = new Kafka({
    clientId: 'runnel-it-kafkajs',
    brokers: job.brokers,
    logLevel: logLevel.WARN,
    retry: { retries: 5 },
  })
  const admin = kafka.admin()
  await admin.connect()
  try {
    if (job.action === 'delete') {
      await admin.deleteTopics({ topics: [job.topic], timeout: 30000 })
      return
    }
    const records = JSON.parse(fs.readFileSync(job.input, 'utf8'))
    const created = await admin.createTopics({
      topics: [{ topic: job.topic, numPartitions: job.partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    })
    if (!created) throw new Error(`createTopics(${job.topic}) returned false (already exists?)`)
    const acks = await produce(kafka, job, records)
    const fetched = await fetchAll(kafka, admin, job)
    fs.writeFileSync(job.output, JSON.stringify({ acks, ...fetched }))
  } finally {
    await admin.disconnect()
  }
}

main().catch(err => {
  console.error(`roundtrip.js failed: ${err && err.stack ? err.stack : err}`)
  if (err && err.type) console.error(`kafkajs error type: ${err.type}`)
  process.exit(1)
})
