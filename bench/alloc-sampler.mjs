// A preload for the bundled server under a benchmark, to see where its bytes go:
//   BENCH_SERVER_NODE_ARGS="--import $PWD/bench/alloc-sampler.mjs" ALLOC_OUT=/tmp/alloc BENCH_OPS_POSTGRES=0 \
//     node --import tsx bench/chat-ops-concurrent.ts
//   node --import tsx bench/alloc-report.ts /tmp/alloc-<pid>.heapprofile
// From the ALLOC_FROM-th HTTP request on (default 1,000: start-up and the first warm-up left out), V8's sampling heap
// profiler records every allocation, those later collected included; with ALLOC_SURVIVORS=1 only what no scavenge
// collected (promoted to the old generation, or still live at exit). At exit: <ALLOC_OUT>-<pid>.heapprofile, and
// .json with the requests sampled. Plain JavaScript: the bundle runs under node without tsx.
import diagnostics_channel from 'node:diagnostics_channel';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = `${process.env.ALLOC_OUT ?? '/tmp/alloc'}-${process.pid}`;
const from = Number(process.env.ALLOC_FROM ?? 1000);
const survivors = process.env.ALLOC_SURVIVORS === '1';
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
let requests = 0;
diagnostics_channel.subscribe('http.server.request.start', () => {
  if (++requests !== from) return;
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: !survivors,
  });
});
process.on('exit', () => {
  if (requests < from) return;
  // The inspector answers a session of its own thread at once: the profile is written before the process ends.
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) return;
    writeFileSync(`${out}.heapprofile`, JSON.stringify(result.profile));
    writeFileSync(`${out}.json`, JSON.stringify({ requests: requests - from + 1, survivors }));
  });
});
