// The core's whole-project calls (analyze, updateLock) off the page's
// thread: a 342-file project takes the core hundreds of milliseconds, which
// on the page would freeze it. Requests are `{ id, name, args }`; answers
// `{ id, result }` or `{ id, error: { message, code } }`.
import { ready, analyze, updateLock } from './vendor/kimberlite-migration/browser.js';

const CALLS = { analyze, updateLock };
const started = ready();

onmessage = async ({ data }) => {
  const { id, name, args } = data ?? {};
  try {
    await started;
    const call = CALLS[name];
    if (!call) throw Object.assign(new Error(`no such call: ${name}`), { code: 'invalid-argument' });
    postMessage({ id, result: call(...args) });
  } catch (error) {
    postMessage({ id, error: { message: String(error?.message ?? error), code: error?.code ?? null } });
  }
};
