// The SQS round trip through the unmodified AWS SDK for JavaScript v3
// (@aws-sdk/client-sqs, AWS JSON 1.0) — run by tests/http/test_http_sdk_js.py:
//
//   node roundtrip.mjs PREFIX URL_FOLLOWER URL_LEADER URL_FOLLOWER2
//
// The SDK itself checks MD5OfMessageBody on send, batch send and receive
// (it throws on a mismatch); this script checks MD5OfMessageAttributes.
// Prints one line per step and a last line "RESULT {json}" with the failed
// checks; exit status 0 when all passed, 1 otherwise, 2 if it broke.
import { createHash } from "node:crypto";
import {
  SQSClient,
  CreateQueueCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SendMessageCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageCommand,
  DeleteMessageBatchCommand,
  ChangeMessageVisibilityCommand,
  PurgeQueueCommand,
  DeleteQueueCommand,
  TagQueueCommand,
  ListQueueTagsCommand,
  UntagQueueCommand,
  ChangeMessageVisibilityBatchCommand,
  ListDeadLetterSourceQueuesCommand,
} from "@aws-sdk/client-sqs";

const [prefix, ...urls] = process.argv.slice(2);
if (!prefix || urls.length !== 3) {
  console.error("usage: node roundtrip.mjs PREFIX URL_FOLLOWER URL_LEADER URL_FOLLOWER2");
  process.exit(2);
}
const failures = [];
class Stop extends Error {}
const log = (m) => console.log(m);
function expect(cond, msg) {
  if (!cond) {
    failures.push(msg);
    log(`CHECK FAILED: ${msg}`);
  }
  return !!cond;
}
function check(cond, msg) {
  if (!expect(cond, msg)) throw new Stop(msg);
}
// Queue URLs name the host the caller used: compare their paths.
const qpath = (u) => new URL(u).pathname;
const md5 = (buf) => createHash("md5").update(buf).digest("hex");
const be32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
function md5OfAttributes(attrs) {
  const parts = [];
  const names = Object.keys(attrs).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const a = attrs[name];
    const n = Buffer.from(name, "utf8");
    const t = Buffer.from(a.DataType, "utf8");
    parts.push(be32(n.length), n, be32(t.length), t);
    if (a.BinaryValue !== undefined) {
      const v = Buffer.from(a.BinaryValue);
      parts.push(Buffer.from([2]), be32(v.length), v);
    } else {
      const v = Buffer.from(a.StringValue, "utf8");
      parts.push(Buffer.from([1]), be32(v.length), v);
    }
  }
  return md5(Buffer.concat(parts));
}
const J = (x) => JSON.stringify(x, (k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v));

// f1, f2: followers; ld: the leader. useQueueUrlAsEndpoint: false — every
// request goes to the client's own node (so the followers' are forwarded).
const mk = (url) =>
  new SQSClient({
    endpoint: url,
    region: "us-east-1",
    // STRATUS_TEST_KEY_ID / STRATUS_TEST_SECRET: a cluster with access keys.
    credentials: { accessKeyId: process.env.STRATUS_TEST_KEY_ID ?? "x",
                   secretAccessKey: process.env.STRATUS_TEST_SECRET ?? "x" },
    useQueueUrlAsEndpoint: false,
    maxAttempts: 3,
  });
const [f1, ld, f2] = urls.map(mk);

async function errorName(p) {
  try {
    await p;
  } catch (e) {
    return [e.name, e.$metadata?.httpStatusCode, e.message];
  }
  return [null, null, null];
}

async function receiveAll(c, url, want, what, extra = {}) {
  const got = new Map();
  for (let i = 0; i < 20 && got.size < want; i++) {
    const r = await c.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, ...extra }));
    for (const m of r.Messages ?? []) got.set(m.MessageId, m);
  }
  check(got.size >= want, `${what}: received ${got.size} of ${want}`);
  return got;
}

async function run() {
  // -- queues -------------------------------------------------------------------
  const url = (await f1.send(new CreateQueueCommand({ QueueName: prefix + "std", Attributes: { VisibilityTimeout: "30" } }))).QueueUrl;
  check(url && url.endsWith("/" + prefix + "std"), `CreateQueue: ${url}`);
  log(`queue url ${url}`);
  for (const c of [f1, ld, f2]) {
    const r = await c.send(new GetQueueUrlCommand({ QueueName: prefix + "std" }));
    expect(qpath(r.QueueUrl) === qpath(url), `GetQueueUrl: ${r.QueueUrl}, expected ${url}`);
  }
  const lq = await f2.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  check((lq.QueueUrls ?? []).map(qpath).includes(qpath(url)), `ListQueues: ${J(lq.QueueUrls)}`);
  await f2.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: "0", VisibilityTimeout: "35" } }));
  const at = (await f1.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes ?? {};
  expect(at.VisibilityTimeout === "35", `VisibilityTimeout after SetQueueAttributes: ${J(at)}`);
  expect(at.ApproximateNumberOfMessages === "0", `new queue: ${J(at)}`);
  await ld.send(new TagQueueCommand({ QueueUrl: url, Tags: { k: "v" } }));
  const tags = (await f2.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags;
  expect(J(tags) === J({ k: "v" }), `ListQueueTags: ${J(tags)}`);
  log("queues: done");

  // -- send with attributes, receive, delete ------------------------------------------
  const attrs = {
    color: { DataType: "String", StringValue: "green" },
    n: { DataType: "Number", StringValue: "12345678901234567890" },
    bin: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 253, 254, 255]) },
    "u-n.x": { DataType: "String.x", StringValue: "✓ ünïcode" },
  };
  const text = "from the JS SDK: ünïcode ✓ <b>&amp;</b>";
  const s = await f1.send(new SendMessageCommand({ QueueUrl: url, MessageBody: text, MessageAttributes: attrs }));
  expect(s.MD5OfMessageBody === md5(Buffer.from(text)), `MD5OfMessageBody ${s.MD5OfMessageBody}`);
  expect(s.MD5OfMessageAttributes === md5OfAttributes(attrs),
    `MD5OfMessageAttributes ${s.MD5OfMessageAttributes}, expected ${md5OfAttributes(attrs)}`);
  let got = await receiveAll(f2, url, 1, "receive with attributes",
    { MessageAttributeNames: ["All"], AttributeNames: ["All"], MessageSystemAttributeNames: ["All"] });
  check(got.has(s.MessageId), `received ${J([...got.keys()])}, expected ${s.MessageId}`);
  let m = got.get(s.MessageId);
  expect(m.Body === text, `Body ${m.Body}`);
  expect(m.MD5OfMessageAttributes === md5OfAttributes(attrs), `MD5OfMessageAttributes on receive ${m.MD5OfMessageAttributes}`);
  const ma = m.MessageAttributes ?? {};
  expect(J(Object.keys(ma).sort()) === J(Object.keys(attrs).sort()), `attribute names ${J(Object.keys(ma))}`);
  expect(ma.bin && Buffer.from(ma.bin.BinaryValue).equals(Buffer.from([0, 1, 2, 253, 254, 255])), `binary attribute ${J(ma.bin)}`);
  expect(ma.n?.StringValue === "12345678901234567890" && ma.n?.DataType === "Number", `number attribute ${J(ma.n)}`);
  expect(ma["u-n.x"]?.StringValue === "✓ ünïcode", `unicode attribute ${J(ma["u-n.x"])}`);
  expect(m.Attributes?.ApproximateReceiveCount === "1" && m.Attributes?.SentTimestamp,
    `system attributes ${J(m.Attributes)}`);
  await ld.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
  got = await receiveAll(f1, url, 1, "receive after ChangeMessageVisibility 0");
  m = got.get(s.MessageId);
  check(m, "the message did not come back after ChangeMessageVisibility 0");
  await f2.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  log("send/receive/delete: done");

  // -- batch ------------------------------------------------------------------------------
  const entries = [0, 1, 2, 3, 4].map((k) => ({ Id: `m${k}`, MessageBody: `batch ✓ ${k}`,
    MessageAttributes: { k: { DataType: "Number", StringValue: String(k) } } }));
  const b = await f2.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  check((b.Successful ?? []).length === 5 && !(b.Failed ?? []).length, `SendMessageBatch: ${J(b)}`);
  for (const e of b.Successful) {
    const k = Number(e.Id.slice(1));
    expect(e.MD5OfMessageAttributes === md5OfAttributes(entries[k].MessageAttributes), `batch ${e.Id} attribute MD5 ${e.MD5OfMessageAttributes}`);
  }
  got = await receiveAll(ld, url, 5, "receive the batch", { MessageAttributeNames: ["All"] });
  const bodies = [...got.values()].map((x) => x.Body).sort();
  check(J(bodies) === J(entries.map((e) => e.MessageBody)), `batch bodies ${J(bodies)}`);
  for (const x of got.values()) {
    const k = x.MessageAttributes?.k?.StringValue;
    expect(x.Body === `batch ✓ ${k}`, `batch message attribute k=${k} for body ${x.Body}`);
  }
  const d = await f1.send(new DeleteMessageBatchCommand({ QueueUrl: url,
    Entries: [...got.values()].map((x, i) => ({ Id: `d${i}`, ReceiptHandle: x.ReceiptHandle })) }));
  check((d.Successful ?? []).length === 5 && !(d.Failed ?? []).length, `DeleteMessageBatch: ${J(d)}`);
  const empty = await f2.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
  check(!(empty.Messages ?? []).length, `deleted messages came back: ${J(empty.Messages)}`);
  log("batch: done");

  // -- FIFO -----------------------------------------------------------------------------------
  const furl = (await f1.send(new CreateQueueCommand({ QueueName: prefix + "o.fifo", Attributes: { FifoQueue: "true" } }))).QueueUrl;
  const ids = [];
  for (let k = 0; k < 4; k++) {
    const r = await [f1, ld, f2, f1][k].send(new SendMessageCommand({ QueueUrl: furl, MessageBody: `fifo ${k}`,
      MessageGroupId: "g", MessageDeduplicationId: `dd${k}`,
      MessageAttributes: { seq: { DataType: "Number", StringValue: String(k) } } }));
    expect(r.SequenceNumber, `FIFO send without SequenceNumber: ${J(r)}`);
    ids.push(r.MessageId);
  }
  const dup = await f2.send(new SendMessageCommand({ QueueUrl: furl, MessageBody: "fifo 2 again", MessageGroupId: "g", MessageDeduplicationId: "dd2" }));
  expect(dup.MessageId === ids[2], `duplicate dedup id: MessageId ${dup.MessageId}, expected ${ids[2]}`);
  const order = [];
  for (let i = 0; i < 20 && order.length < 4; i++) {
    const r = await f2.send(new ReceiveMessageCommand({ QueueUrl: furl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ["All"] }));
    for (const x of r.Messages ?? []) {
      order.push(x.Body);
      await ld.send(new DeleteMessageCommand({ QueueUrl: furl, ReceiptHandle: x.ReceiptHandle }));
    }
  }
  check(J(order) === J(["fifo 0", "fifo 1", "fifo 2", "fifo 3"]), `FIFO order ${J(order)}`);
  log("FIFO: done");

  // -- change visibility in a batch, long poll ---------------------------------------------------
  await f1.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [0, 1].map((k) => ({ Id: `c${k}`, MessageBody: `cv ${k}` })) }));
  got = await receiveAll(f2, url, 2, "receive two for ChangeMessageVisibilityBatch");
  const cv = await ld.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url,
    Entries: [...got.values()].map((x, i) => ({ Id: `v${i}`, ReceiptHandle: x.ReceiptHandle, VisibilityTimeout: 0 })) }));
  expect((cv.Successful ?? []).length === 2 && !(cv.Failed ?? []).length, `ChangeMessageVisibilityBatch: ${J(cv)}`);
  got = await receiveAll(f1, url, 2, "receive after ChangeMessageVisibilityBatch 0");
  await f2.send(new DeleteMessageBatchCommand({ QueueUrl: url,
    Entries: [...got.values()].map((x, i) => ({ Id: `d${i}`, ReceiptHandle: x.ReceiptHandle })) }));
  const lp0 = await f1.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
  check(!(lp0.Messages ?? []).length, `long poll on an empty queue: ${J(lp0.Messages)}`);
  const poll = f2.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
  await new Promise((r) => setTimeout(r, 3000));
  await ld.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "during the poll" }));
  const lp = await poll;
  check(J((lp.Messages ?? []).map((x) => x.Body)) === J(["during the poll"]), `long poll returned ${J(lp.Messages)}`);
  await f1.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: lp.Messages[0].ReceiptHandle }));
  await f2.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["k"] }));
  const tags2 = (await f1.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {};
  expect(J(tags2) === "{}", `ListQueueTags after UntagQueue: ${J(tags2)}`);
  log("visibility batch, long poll, untag: done");

  // -- DLQ redrive ----------------------------------------------------------------------------------
  const dlq = (await f2.send(new CreateQueueCommand({ QueueName: prefix + "dlq" }))).QueueUrl;
  const dlqArn = (await ld.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] }))).Attributes.QueueArn;
  const src = (await f1.send(new CreateQueueCommand({ QueueName: prefix + "src", Attributes: {
    VisibilityTimeout: "0", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }))).QueueUrl;
  const poison = await f2.send(new SendMessageCommand({ QueueUrl: src, MessageBody: "poison" }));
  let moved = null;
  let receives = 0;
  for (let i = 0; i < 30 && !moved; i++) {
    receives += ((await f1.send(new ReceiveMessageCommand({ QueueUrl: src, WaitTimeSeconds: 1 }))).Messages ?? []).length;
    const r = await f2.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1 }));
    if ((r.Messages ?? []).length) moved = r.Messages[0];
  }
  check(moved, `not moved to the DLQ (${receives} receives from the source)`);
  expect(receives === 1, `${receives} receives from the source before the move (maxReceiveCount 1)`);
  expect(moved.Body === "poison" && moved.MessageId === poison.MessageId, `DLQ message ${J(moved)}`);
  const srcs = await ld.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
  expect(J((srcs.queueUrls ?? []).map(qpath)) === J([qpath(src)]), `ListDeadLetterSourceQueues: ${J(srcs.queueUrls)}`);
  for (const q of [dlq, src]) await f2.send(new DeleteQueueCommand({ QueueUrl: q }));
  log("DLQ: done");

  // -- purge, errors, delete ------------------------------------------------------------------------
  await f1.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "to purge" }));
  await f2.send(new PurgeQueueCommand({ QueueUrl: url }));
  const afterPurge = await ld.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
  expect(!(afterPurge.Messages ?? []).length, `a purged message was received: ${J(afterPurge.Messages)}`);

  for (const c of [f1, ld]) {
    const [name, status, msg] = await errorName(c.send(new GetQueueUrlCommand({ QueueName: prefix + "missing" })));
    expect(name === "QueueDoesNotExist", `GetQueueUrl of a missing queue: error name ${name} (${msg})`);
    expect(status === 400, `GetQueueUrl of a missing queue: HTTP ${status}`);
  }
  {
    const [name, , msg] = await errorName(f2.send(new SendMessageCommand({ QueueUrl: url.replace(/[^/]*$/, prefix + "nope"), MessageBody: "x" })));
    expect(name === "QueueDoesNotExist", `SendMessage to a missing queue: ${name} (${msg})`);
  }
  {
    const [name, , msg] = await errorName(f1.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })));
    expect(name === "InvalidParameterValueException" || name === "InvalidParameterValue",
      `ReceiveMessage MaxNumberOfMessages=11: ${name} (${msg})`);
  }
  for (const q of [url, furl]) await f1.send(new DeleteQueueCommand({ QueueUrl: q }));
  let left = ["?"];
  for (let i = 0; i < 60 && left.length; i++) {
    left = (await f2.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? [];
    if (left.length) await new Promise((r) => setTimeout(r, 500));
  }
  expect(!left.length, `queues listed after DeleteQueue: ${J(left)}`);
  log("purge, errors, delete: done");
}

try {
  await run();
} catch (e) {
  if (!(e instanceof Stop)) {
    console.log(e && e.stack ? e.stack : String(e));
    failures.push(`unexpected exception: ${e && e.name}: ${e && e.message}`);
    console.log("RESULT " + JSON.stringify({ failures }));
    process.exit(2);
  }
}
console.log("RESULT " + JSON.stringify({ failures }));
process.exit(failures.length ? 1 : 0);
