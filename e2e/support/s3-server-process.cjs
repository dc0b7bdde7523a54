// A loopback S3-compatible server for tests: s3rver behind a small HTTP front that fills the gaps the AWS SDK v3
// and the app rely on (see stack-notes "S3-compatible test servers"): aws-chunked bodies are decoded,
// `If-None-Match: *` on PUT / CompleteMultipartUpload is honoured, batch deletes are serialised, and the
// process runs with --openssl-legacy-provider so s3rver's continuation tokens work. Prints {"port"} when ready.
'use strict';
const http = require('node:http');
const S3rver = require('s3rver');

const [directory, bucket] = process.argv.slice(2);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `hex-size[;ext]\r\n data \r\n` … `0[;ext]\r\n [trailers] \r\n` */
function decodeAwsChunked(body) {
  const parts = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString().split(';')[0], 16);
    if (!size) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function forward(backendPort, req, body, res) {
  return new Promise((resolve) => {
    const headers = { ...req.headers, host: `127.0.0.1:${backendPort}` };
    if (body) headers['content-length'] = String(body.length);
    const out = http.request(
      { port: backendPort, host: '127.0.0.1', method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
      },
    );
    out.on('error', (err) => {
      res.writeHead(502).end(String(err));
      resolve();
    });
    out.end(body ?? undefined);
  });
}

function headStatus(backendPort, path) {
  return new Promise((resolve, reject) => {
    http
      .request(
        { port: backendPort, host: '127.0.0.1', method: 'HEAD', path, headers: { host: `127.0.0.1:${backendPort}` } },
        (answer) => {
          answer.resume();
          resolve(answer.statusCode);
        },
      )
      .on('error', reject)
      .end();
  });
}

const preconditionFailed = (res) =>
  res
    .writeHead(412, { 'content-type': 'application/xml' })
    .end(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
    );

let serial = Promise.resolve();
/** Conditional writes and batch deletes run one at a time: check-then-write must not interleave. */
function serially(task) {
  const run = serial.then(task, task);
  serial = run.catch(() => undefined);
  return run;
}

async function main() {
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port: backendPort } = await backend.run();
  const front = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      const chunked =
        /aws-chunked/.test(req.headers['content-encoding'] ?? '') ||
        req.headers['x-amz-decoded-content-length'] !== undefined;
      let body = req.method === 'PUT' || req.method === 'POST' ? await readBody(req) : undefined;
      if (body && chunked) {
        body = decodeAwsChunked(body);
        delete req.headers['content-encoding'];
        delete req.headers['x-amz-decoded-content-length'];
        delete req.headers['x-amz-trailer'];
      }
      const objectPath = url.pathname;
      const conditional =
        req.headers['if-none-match'] === '*' &&
        (req.method === 'PUT' || (req.method === 'POST' && url.searchParams.has('uploadId')));
      if (conditional) {
        delete req.headers['if-none-match'];
        await serially(async () => {
          if ((await headStatus(backendPort, objectPath)) === 200) return preconditionFailed(res);
          await forward(backendPort, req, body, res);
        });
        return;
      }
      if (req.method === 'POST' && url.searchParams.has('delete'))
        return await serially(() => forward(backendPort, req, body, res));
      await forward(backendPort, req, body, res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  front.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: front.address().port })}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
