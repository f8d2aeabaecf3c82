// One function's sandbox: a worker thread of the local Lambda host (`lambda-runtime.ts`) that runs the
// function's containers. Each container evaluates the bundle afresh (its own module state, SDK clients and
// logger), sees only the function's environment and writes to its own log stream; the host decides when
// containers start, which one serves an invocation, and when one times out. In its own thread a function's
// work runs beside the emulators and the other functions instead of taking turns on one event loop, as
// separate Lambda sandboxes would.
//
// Messages from the host: `start` a container, `invoke` one with a JSON event, `discard` one. Answers:
// `started` (or `startFailed`), `result` per invocation, and `log` for every line a container writes.
import { Console } from 'node:console';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { compileFunction } from 'node:vm';
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';

const { file, exportName, key, environment, requestsChannel, requestsWatched } = workerData;

// The HTTP requests the containers make, for a host-side observer (the benchmark's AWS request counter)
// that watches them (`watchSandboxRequests`): Node publishes them on a diagnostics channel of this thread
// only. Nothing is sent unless watched, and then counts by host and `X-Amz-Target`, at most every 50 ms.
const requests = new BroadcastChannel(requestsChannel);
requests.unref();
let watched = requestsWatched;
requests.onmessage = ({ data }) => {
  if (data?.type === 'watch') watched = data.on;
};
/** `host target` → requests since the last post, or `undefined` when no post is due. */
let unposted;
subscribe('http.client.request.start', ({ request }) => {
  if (!watched) return;
  if (!unposted) {
    unposted = new Map();
    setTimeout(() => {
      const counts = [...unposted].map(([key, count]) => ({ ...JSON.parse(key), count }));
      unposted = undefined;
      requests.postMessage({ type: 'requests', counts });
    }, 50);
  }
  const key = JSON.stringify({
    host: String(request.getHeader('host') ?? ''),
    target: request.getHeader('x-amz-target'),
  });
  unposted.set(key, (unposted.get(key) ?? 0) + 1);
});

const WRAPPER_PARAMETERS = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  'process',
  'console',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
];

// Compiled once; every call of the wrapper evaluates the module body again, with its own state.
let wrapper;
const compiled = () =>
  (wrapper ??= compileFunction(readFileSync(file, 'utf8'), WRAPPER_PARAMETERS, { filename: file }));

/** Container id → { handler, clearTimers } */
const containers = new Map();

const log = (line) => parentPort.postMessage({ type: 'log', line });

/** A writable that hands complete lines to the host (Powertools writes one JSON object per line). */
function lineStream() {
  let pending = '';
  return new Writable({
    write(chunk, _encoding, callback) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) log(line);
      callback();
    },
    final(callback) {
      if (pending.length > 0) log(pending);
      callback();
    },
  });
}

/**
 * Timer functions that remember what they scheduled, so a discarded container's background work (caches
 * that refresh themselves, for example) stops, the way Lambda freezes a container it no longer uses.
 */
function trackedTimers() {
  const handles = new Set();
  return {
    setTimeout: (callback, ms, ...args) => {
      const handle = setTimeout(
        (...callbackArgs) => {
          handles.delete(handle);
          callback(...callbackArgs);
        },
        ms,
        ...args,
      );
      handles.add(handle);
      return handle;
    },
    setInterval: (callback, ms, ...args) => {
      const handle = setInterval(callback, ms, ...args);
      handles.add(handle);
      return handle;
    },
    clear: (handle) => {
      if (handle === undefined || typeof handle !== 'object') return;
      handles.delete(handle);
      clearTimeout(handle);
    },
    clearAll: () => {
      for (const handle of handles) clearTimeout(handle);
      handles.clear();
    },
  };
}

function toLambdaError(error) {
  if (typeof error === 'object' && error !== null) {
    const { name, message, stack } = error;
    return {
      errorType: typeof name === 'string' && name ? name : 'Error',
      errorMessage: typeof message === 'string' ? message : String(error),
      trace: typeof stack === 'string' ? stack.split('\n') : [],
    };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

function startContainer(id) {
  const stdout = lineStream();
  const stderr = lineStream();
  // The bundle's free `process` and `console` are these: this thread's process, but with the function's
  // environment and this container's log streams.
  const containerProcess = Object.create(process, {
    env: { value: { ...environment }, enumerable: true, writable: true },
    stdout: { value: stdout },
    stderr: { value: stderr },
    emitWarning: {
      value: (warning) => log(`Warning: ${warning instanceof Error ? warning.message : warning}`),
    },
  });
  const timers = trackedTimers();
  const module = { exports: {} };
  compiled()(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
    containerProcess,
    new Console({ stdout, stderr }),
    timers.setTimeout,
    timers.clear,
    timers.setInterval,
    timers.clear,
  );
  const handler = module.exports[exportName];
  if (typeof handler !== 'function') {
    throw new Error(`${key}: the bundle does not export a function named ${exportName}`);
  }
  containers.set(id, { handler, clearTimers: timers.clearAll });
}

async function invoke({ id, requestId, event, context }) {
  try {
    const { handler } = containers.get(id);
    const { deadline, ...fields } = context;
    const outcome = await handler(event === undefined ? undefined : JSON.parse(event), {
      ...fields,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    });
    // What crosses the Lambda boundary is JSON.
    const payload = outcome === undefined ? 'null' : JSON.stringify(outcome);
    parentPort.postMessage({ type: 'result', requestId, ok: true, payload });
  } catch (error) {
    parentPort.postMessage({ type: 'result', requestId, ok: false, error: toLambdaError(error) });
  }
}

parentPort.on('message', (message) => {
  switch (message.type) {
    case 'start':
      try {
        startContainer(message.id);
        parentPort.postMessage({ type: 'started', id: message.id });
      } catch (error) {
        parentPort.postMessage({ type: 'startFailed', id: message.id, error: toLambdaError(error) });
      }
      break;
    case 'invoke':
      void invoke(message);
      break;
    case 'discard':
      containers.get(message.id)?.clearTimers();
      containers.delete(message.id);
      break;
  }
});
