import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { serviceDefinition } from '/work/main/src/plugin/protos.ts';
import { spanToProto } from '/work/main/src/plugin/mapping.ts';
import { simpleTraces } from '/work/main/src/workload/simple-traces.ts';
const child = spawn(process.execPath, ['/work/main/bin/jaeger-sls.js', 'serve', '--listen', '127.0.0.1:0', '--store', 'memory:', '--log-level', 'debug'], { stdio: ['ignore', 'inherit', 'pipe'] });
let err = '';
const address: string = await new Promise((res) => child.stderr!.on('data', (d) => { err += d; const m = /"address":"([^"]+)"/.exec(err); if (m) res(m[1]); }));
const w = serviceDefinition('streamingSpanWriter').WriteSpanStream;
const spans = [...simpleTraces({ seed: 1, traces: 10, spansPerTrace: 10, services: 3, startTime: Date.now() * 1000, intervalUs: 1000 })].flatMap((t) => t.spans);
const msgs = spans.map((s) => w.requestSerialize({ span: spanToProto(s) }));
const id = (b: Buffer) => b;
const client = new grpc.Client(address, grpc.credentials.createInsecure());
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const call = client.makeClientStreamRequest('/jaeger.storage.v1.StreamingSpanWriterPlugin/WriteSpanStream', id, id, (e) => (e ? reject(e) : resolve()));
    for (const m of msgs) call.write(m);
    call.end();
  });
  console.log(i, (performance.now() - t).toFixed(1), 'ms');
}
client.close(); child.kill(); console.log(err.slice(-600));
