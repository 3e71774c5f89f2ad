// kafkajs half of the consumer-group tests, driven by test_group_kafkajs.py:
//   node groups.js <job.json>
// Every step is printed to stdout as one JSON object per line, in the order it
// happened (node runs one event at a time), for pytest to check; each carries
// `ms`, the milliseconds since the script started, for diagnosis only. Waits are hang
// guards only (60 s each); exits non-zero with a message on any error or
// consumer crash.
//
// action "share" — job: { brokers, topic, group, partitions, before, after }.
// Creates the topic, produces `before` records (values "before-<i>", record i on
// partition i % partitions), starts three consumers c0..c2 in one group
// (fromBeginning), waits until they own two partitions each and have consumed
// every record, disconnects c2, waits until c0 and c1 own three each, produces
// `after` records ("after-<i>") and waits until the group has consumed them.
//   {ev: "produced", phase, count}
//   {ev: "join", member, memberId, isLeader, protocol, parts}   (GROUP_JOIN)
//   {ev: "rebalancing", member}      (stopped fetching, about to rejoin)
//   {ev: "left", member}             (its LeaveGroup was answered)
//   {ev: "msg", member, p, o, v}     (eachMessage)
//   {ev: "phase", name}              ("three", "leave", "two", "done")
//   {ev: "described", ...}           (DescribeGroups at "three" and after "done")
// then, on the empty group, through the admin API: {ev: "listed"},
// {ev: "offsets", step: "after-run"}, {ev: "deleted"},
// {ev: "listed-after-delete"}, {ev: "offsets", step: "after-delete"}.
//
// action "setup" — job: { brokers, topic, partitions, count }: creates the
// topic and produces `count` records "rec-<i>", record i on partition
// i % partitions; prints {ev: "produced", phase: "rec", count}.
//
// action "member" — job: { brokers, topic, group, name, delayMs }: one member
// of `group` (autoCommit off, fromBeginning) that runs until SIGTERM
// (disconnect, exit 0) or SIGKILL. For each message: "processes" it (sleeps
// delayMs), prints {ev: "msg", ...}, commits offset + 1 and prints
// {ev: "commit", p, o}; a commit refused by a rebalance prints
// {ev: "commit_failed", p, o, error} and rethrows (kafkajs rejoins and the
// record is delivered again). Also prints join and rebalancing as above.
//
// action "stall" — job: { brokers, topic, group, partitions, count,
// sessionTimeout, rebalanceTimeout }: member s0 owns the topic and blocks on
// its first message; s1 joins and must get every partition once the rebalance
// timeout removes s0; then s0 is woken, rejoins, and the two share the topic.
// Prints join/rebalancing/msg as above, {ev: "stalled"|"woke", member},
// {ev: "described", ...} while the rebalance waits, and phases "taken-over",
// "shared", "done".
//
// action "maxsize" — job: { brokers, topic, group, partitions, count }, for a
// broker with group.max.size=2: m0 and m1 join, m2 is refused (a "crash" event
// with its error type), then `count` records are produced and consumed by m0
// and m1; DescribeGroups is printed as {ev: "described", state, members}.
//
// action "offsets" — job: { brokers, topic, group }: prints
// {ev: "offsets", offsets: {partition: committed offset}} (OffsetFetch).
'use strict'

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'

const fs = require('fs')
const { AssignerProtocol, Kafka, logLevel } = require('kafkajs')

const HANG_GUARD_MS = 60000

const START = Date.now()

function emit(obj) {
  process.stdout.write(JSON.stringify({ ...obj, ms: Date.now() - START }) + '\n')
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

async function waitFor(cond, what) {
  const deadline = Date.now() + HANG_GUARD_MS
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${HANG_GUARD_MS / 1000} s waiting for ${what()}`)
    await sleep(20)
  }
}

async function produce(kafka, job, prefix, count) {
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  try {
    const messages = []
    for (let i = 0; i < count; i++) messages.push({ value: `${prefix}-${i}`, partition: i % job.partitions })
    const meta = await producer.send({ topic: job.topic, acks: -1, messages })
    for (const m of meta) {
      if (m.errorCode !== 0) throw new Error(`produce error ${m.errorCode} on partition ${m.partition}`)
    }
  } finally {
    await producer.disconnect()
  }
  emit({ ev: 'produced', phase: prefix, count })
}

async function createTopic(kafka, job) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const created = await admin.createTopics({
      topics: [{ topic: job.topic, numPartitions: job.partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    })
    if (!created) throw new Error(`createTopics(${job.topic}) returned false (already exists?)`)
  } finally {
    await admin.disconnect()
  }
}

async function setup(kafka, job) {
  await createTopic(kafka, job)
  await produce(kafka, job, 'rec', job.count)
}

async function offsets(kafka, job) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: job.group, topics: [job.topic] })
    emit({ ev: 'offsets', offsets: Object.fromEntries(partitions.map(p => [p.partition, Number(p.offset)])) })
  } finally {
    await admin.disconnect()
  }
}

async function member(kafka, job) {
  const consumer = kafka.consumer({
    groupId: job.group,
    sessionTimeout: 6000,
    rebalanceTimeout: 20000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 1024,  // small batches: a kill lands mid-way through a partition
    retry: { retries: 5 },
  })
  const { GROUP_JOIN, REBALANCING, CRASH } = consumer.events
  consumer.on(GROUP_JOIN, ({ payload }) => {
    emit({ ev: 'join', member: job.name, memberId: payload.memberId,
           parts: (payload.memberAssignment[job.topic] || []).slice().sort((a, b) => a - b) })
  })
  consumer.on(REBALANCING, () => emit({ ev: 'rebalancing', member: job.name }))
  let crashed = null
  consumer.on(CRASH, ({ payload }) => {
    crashed = payload.error
    emit({ ev: 'crash', member: job.name, error: String(payload.error) })
  })
  let stopping = false
  let stopped
  const done = new Promise(resolve => { stopped = resolve })
  process.on('SIGTERM', () => { stopping = true; stopped() })

  await consumer.connect()
  await consumer.subscribe({ topics: [job.topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (stopping) return
      await sleep(job.delayMs)
      const o = Number(message.offset)
      emit({ ev: 'msg', member: job.name, p: partition, o, v: message.value.toString() })
      try {
        await consumer.commitOffsets([{ topic, partition, offset: String(o + 1) }])
      } catch (e) {
        emit({ ev: 'commit_failed', p: partition, o: o + 1, error: `${e.name}: ${e.message}`, type: e.type || null })
        throw e
      }
      emit({ ev: 'commit', p: partition, o: o + 1 })
    },
  })
  await done
  await consumer.disconnect()
  if (crashed) throw crashed
  emit({ ev: 'closed', member: job.name })
}

// DescribeGroups, as kafkajs's admin decodes it (member assignments with the
// consumer protocol's own decoder).
async function describe(kafka, job) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const { groups: [g] } = await admin.describeGroups([job.group])
    emit({
      ev: 'described', groupId: g.groupId, errorCode: g.errorCode, state: g.state,
      protocolType: g.protocolType, protocol: g.protocol,
      members: g.members.map(m => ({
        memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
        parts: m.memberAssignment.length === 0 ? [] :
          (AssignerProtocol.MemberAssignment.decode(m.memberAssignment).assignment[job.topic] || [])
            .slice().sort((a, b) => a - b),
        topics: m.memberMetadata.length === 0 ? [] : AssignerProtocol.MemberMetadata.decode(m.memberMetadata).topics,
      })),
    })
  } finally {
    await admin.disconnect()
  }
}

// The empty group through kafkajs's admin API: list, describe, committed
// offsets, delete. (Not setOffsets: its internal consumer waits out kafkajs's
// default 5 s fetch wait, and it is one more join/commit cycle.)
async function adminAfter(kafka, job) {
  const admin = kafka.admin()
  await admin.connect()
  const committed = async () => {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: job.group, topics: [job.topic] })
    return Object.fromEntries(partitions.map(p => [p.partition, Number(p.offset)]))
  }
  try {
    emit({ ev: 'listed', groups: (await admin.listGroups()).groups })
    await describe(kafka, job)
    emit({ ev: 'offsets', step: 'after-run', offsets: await committed() })
    emit({ ev: 'deleted', results: await admin.deleteGroups([job.group]) })
    emit({ ev: 'listed-after-delete', groups: (await admin.listGroups()).groups })
    emit({ ev: 'offsets', step: 'after-delete', offsets: await committed() })
  } finally {
    await admin.disconnect()
  }
}

// A member that stops answering (blocked in eachMessage, so kafkajs sends no
// heartbeats) while a new member joins: the coordinator must give up on it
// after the rebalance timeout (job.rebalanceTimeout, far below its
// job.sessionTimeout) and complete the rebalance without it. Then the stalled
// member wakes up, finds itself removed and rejoins; the two share the topic.
async function stall(kafka, job) {
  await createTopic(kafka, job)
  await produce(kafka, job, 'rec', job.count)
  const owned = new Map([['s0', new Set()], ['s1', new Set()]])
  let release
  const released = new Promise(resolve => { release = resolve })
  let stalled = false
  let crashed = null
  const make = member => {
    const consumer = kafka.consumer({
      groupId: job.group,
      sessionTimeout: job.sessionTimeout,
      rebalanceTimeout: job.rebalanceTimeout,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
      retry: { retries: 5 },
    })
    const { GROUP_JOIN, REBALANCING, CRASH } = consumer.events
    consumer.on(GROUP_JOIN, ({ payload }) => {
      const parts = (payload.memberAssignment[job.topic] || []).slice().sort((a, b) => a - b)
      owned.set(member, new Set(parts))
      emit({ ev: 'join', member, memberId: payload.memberId, parts })
    })
    consumer.on(REBALANCING, () => {
      owned.set(member, new Set())
      emit({ ev: 'rebalancing', member })
    })
    consumer.on(CRASH, ({ payload }) => {
      crashed = `${member}: ${payload.error}`
      emit({ ev: 'crash', member, error: String(payload.error) })
    })
    return consumer
  }
  const state = () => JSON.stringify({
    owned: Object.fromEntries([...owned].map(([m, s]) => [m, [...s]])), stalled, crashed,
  })
  const check = () => {
    if (crashed) throw new Error(`consumer crashed: ${crashed}`)
    return true
  }

  const s0 = make('s0')
  const s1 = make('s1')
  try {
    await s0.connect()
    await s0.subscribe({ topics: [job.topic], fromBeginning: true })
    await s0.run({
      eachMessage: async ({ partition, message }) => {
        emit({ ev: 'msg', member: 's0', p: partition, o: Number(message.offset) })
        if (!stalled) {
          stalled = true
          emit({ ev: 'stalled', member: 's0' })
          await released
          emit({ ev: 'woke', member: 's0' })
        }
      },
    })
    await waitFor(() => check() && stalled, () => `s0 stalling on its first message: ${state()}`)
    await s1.connect()
    await s1.subscribe({ topics: [job.topic], fromBeginning: true })
    // run() resolves once s1 has joined, which the coordinator holds back
    // until s0 rejoins or the rebalance timeout removes it: meanwhile the group
    // is described as rebalancing, with both members (no metadata or
    // assignment, no protocol: Kafka's view of a group that is not Stable).
    const joined = s1.run({
      eachMessage: async ({ partition, message }) => {
        emit({ ev: 'msg', member: 's1', p: partition, o: Number(message.offset) })
      },
    })
    const admin = kafka.admin()
    await admin.connect()
    try {
      let g = null
      await waitFor(async () => {
        check()
        g = (await admin.describeGroups([job.group])).groups[0]
        return g.state === 'PreparingRebalance' && g.members.length === 2
      }, () => `the group described as rebalancing with both members: ${JSON.stringify(g)}`)
      emit({ ev: 'described', state: g.state, protocolType: g.protocolType, protocol: g.protocol,
             members: g.members.map(m => ({ memberId: m.memberId, metadata: m.memberMetadata.length,
                                            assignment: m.memberAssignment.length })) })
    } finally {
      await admin.disconnect()
    }
    await joined
    await waitFor(() => check() && owned.get('s1').size === job.partitions,
                  () => `s1 owning every partition once the rebalance timeout removed the stalled s0: ${state()}`)
    emit({ ev: 'phase', name: 'taken-over' })
    release()
    await waitFor(() => check() && owned.get('s0').size === job.partitions / 2 &&
                        owned.get('s1').size === job.partitions / 2,
                  () => `s0 rejoining and the two sharing the topic: ${state()}`)
    emit({ ev: 'phase', name: 'shared' })
  } finally {
    release()
    await s0.disconnect()
    await s1.disconnect()
  }
  emit({ ev: 'phase', name: 'done' })
}

// A broker started with group.max.size=2: two members share the topic, a
// third is refused with GROUP_MAX_SIZE_REACHED (kafkajs treats it as fatal:
// the consumer crashes, and is not restarted here), and the two go on owning
// and consuming everything.
async function maxSize(kafka, job) {
  await createTopic(kafka, job)
  const owned = new Map()
  const consumed = new Set()
  const crashes = []
  const consumers = ['m0', 'm1', 'm2'].map(member => {
    const consumer = kafka.consumer({
      groupId: job.group,
      sessionTimeout: 10000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
      retry: { retries: 2, restartOnFailure: async () => false },
    })
    owned.set(member, [])
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const parts = (payload.memberAssignment[job.topic] || []).slice().sort((a, b) => a - b)
      owned.set(member, parts)
      emit({ ev: 'join', member, memberId: payload.memberId, parts })
    })
    consumer.on(consumer.events.REBALANCING, () => {
      owned.set(member, [])
      emit({ ev: 'rebalancing', member })
    })
    // The final disconnects leave the group one by one, and the members still
    // in it rebalance: a leave is recorded so that is not read as two owners.
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'LeaveGroup') {
        owned.set(member, [])
        emit({ ev: 'left', member })
      }
    })
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      crashes.push(member)
      emit({ ev: 'crash', member, type: payload.error.type || null, error: String(payload.error) })
    })
    return { member, consumer }
  })
  const state = () => JSON.stringify({ owned: Object.fromEntries(owned), crashes, consumed: consumed.size })
  const start = async ({ member, consumer }) => {
    await consumer.connect()
    await consumer.subscribe({ topics: [job.topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        consumed.add(message.value.toString())
        emit({ ev: 'msg', member, p: partition, o: Number(message.offset) })
      },
    })
  }
  try {
    await Promise.all(consumers.slice(0, 2).map(start))
    await waitFor(() => owned.get('m0').length + owned.get('m1').length === job.partitions &&
                        owned.get('m0').length > 0 && owned.get('m1').length > 0,
                  () => `m0 and m1 sharing the topic: ${state()}`)
    emit({ ev: 'phase', name: 'two' })
    try {
      await start(consumers[2])
    } catch (e) {
      emit({ ev: 'run_failed', member: 'm2', type: e.type || null, error: String(e) })
    }
    await waitFor(() => crashes.includes('m2'), () => `m2 refused: ${state()}`)
    emit({ ev: 'phase', name: 'refused' })
    await produce(kafka, job, 'rec', job.count)
    await waitFor(() => consumed.size === job.count, () => `m0 and m1 consuming every record: ${state()}`)
    const admin = kafka.admin()
    await admin.connect()
    try {
      const { groups: [g] } = await admin.describeGroups([job.group])
      emit({ ev: 'described', state: g.state, members: g.members.map(m => m.memberId) })
    } finally {
      await admin.disconnect()
    }
  } finally {
    for (const { consumer } of consumers) await consumer.disconnect()
  }
  emit({ ev: 'phase', name: 'done' })
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  const kafka = new Kafka({
    clientId: job.name ? `runnel-it-kafkajs-${job.name}` : 'runnel-it-kafkajs-groups',
    brokers: job.brokers,
    logLevel: logLevel.WARN,
    retry: { retries: 5 },
  })
  const action = job.action || 'share'
  if (action === 'setup') return setup(kafka, job)
  if (action === 'offsets') return offsets(kafka, job)
  if (action === 'member') return member(kafka, job)
  if (action === 'stall') return stall(kafka, job)
  if (action === 'maxsize') return maxSize(kafka, job)
  if (action !== 'share') throw new Error(`unknown action ${action}`)

  await createTopic(kafka, job)
  await produce(kafka, job, 'before', job.before)

  // What this process saw, to know when to move on (pytest does the checking).
  const owned = new Map()      // member -> Set of partitions
  const consumed = new Set()   // values
  let crashed = null

  const consumers = []
  for (let i = 0; i < 3; i++) {
    const member = `c${i}`
    const consumer = kafka.consumer({
      groupId: job.group,
      sessionTimeout: 10000,
      rebalanceTimeout: 20000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
      retry: { retries: 5 },
    })
    owned.set(member, new Set())
    const { GROUP_JOIN, REBALANCING, REQUEST, CRASH } = consumer.events
    consumer.on(GROUP_JOIN, ({ payload }) => {
      const parts = (payload.memberAssignment[job.topic] || []).slice().sort((a, b) => a - b)
      owned.set(member, new Set(parts))
      emit({ ev: 'join', member, memberId: payload.memberId, isLeader: payload.isLeader,
             protocol: payload.groupProtocol, parts })
    })
    consumer.on(REBALANCING, () => {
      owned.set(member, new Set())
      emit({ ev: 'rebalancing', member })
    })
    consumer.on(REQUEST, ({ payload }) => {
      if (payload.apiName === 'LeaveGroup') {
        owned.set(member, new Set())
        emit({ ev: 'left', member })
      }
    })
    consumer.on(CRASH, ({ payload }) => {
      crashed = `${member}: ${payload.error && payload.error.stack ? payload.error.stack : payload.error}`
      emit({ ev: 'crash', member, error: String(payload.error) })
    })
    consumers.push({ member, consumer })
  }

  const state = () => JSON.stringify({
    owned: Object.fromEntries([...owned].map(([m, s]) => [m, [...s]])),
    consumed: consumed.size,
    crashed,
  })
  const check = () => {
    if (crashed) throw new Error(`consumer crashed: ${crashed}`)
  }
  const ownsEvenly = (members, size) => {
    check()
    const all = new Set()
    for (const m of members) {
      const s = owned.get(m)
      if (s.size !== size) return false
      for (const p of s) all.add(p)
    }
    return all.size === job.partitions
  }
  const consumedAll = (prefix, count) => {
    check()
    for (let i = 0; i < count; i++) if (!consumed.has(`${prefix}-${i}`)) return false
    return true
  }

  try {
    await Promise.all(consumers.map(async ({ member, consumer }) => {
      await consumer.connect()
      await consumer.subscribe({ topics: [job.topic], fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const v = message.value.toString()
          consumed.add(v)
          emit({ ev: 'msg', member, p: partition, o: Number(message.offset), v })
        },
      })
    }))

    await waitFor(() => ownsEvenly(['c0', 'c1', 'c2'], 2) && consumedAll('before', job.before),
                  () => `three members owning two partitions each and every "before" record consumed: ${state()}`)
    emit({ ev: 'phase', name: 'three' })
    await describe(kafka, job)

    emit({ ev: 'phase', name: 'leave' })
    await consumers[2].consumer.disconnect()
    await waitFor(() => ownsEvenly(['c0', 'c1'], 3),
                  () => `c0 and c1 owning three partitions each after c2 left: ${state()}`)
    emit({ ev: 'phase', name: 'two' })

    await produce(kafka, job, 'after', job.after)
    await waitFor(() => consumedAll('after', job.after),
                  () => `every "after" record consumed: ${state()}`)
    // kafkajs commits after each batch: wait for the last commits to land
    // before disconnecting (pytest checks the offsets afterwards).
    const admin = kafka.admin()
    await admin.connect()
    const ends = (job.before + job.after) / job.partitions
    let last = null
    try {
      await waitFor(async () => {
        const [{ partitions }] = await admin.fetchOffsets({ groupId: job.group, topics: [job.topic] })
        last = partitions
        return partitions.every(p => Number(p.offset) === ends)
      }, () => `the group committing offset ${ends} on every partition: ${JSON.stringify(last)}`)
    } finally {
      await admin.disconnect()
    }
    check()
  } finally {
    for (const { consumer } of consumers) await consumer.disconnect()
  }
  emit({ ev: 'phase', name: 'done' })
  await adminAfter(kafka, job)
}

main().catch(err => {
  console.error(`groups.js failed: ${err && err.stack ? err.stack : err}`)
  if (err && err.type) console.error(`kafkajs error type: ${err.type}`)
  process.exit(1)
})
