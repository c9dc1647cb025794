/*
 * django-captcha-guard proof of work for single-page apps, as an ES module:
 *
 *   import { solve } from "/static/captcha_guard/solve_pow.js";
 *   const challenge = await (await fetch("/captcha/new/?scope=sms")).json();
 *   const stamp = await solve(challenge.pow);          // start it as soon as the JSON arrives
 *   body.captcha_pow = stamp;                          // post it with the key and the answer
 *
 * The search runs in pow_worker.js next to this file (CSP: worker-src 'self').
 */
export function solve(puzzle, { workerUrl = new URL("./pow_worker.js", import.meta.url) } = {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl);
    worker.onmessage = (event) => {
      worker.terminate();
      if (event.data.error) {
        reject(new Error(event.data.error));
      } else {
        resolve(`${puzzle.max_number}:${event.data.number}`);
      }
    };
    worker.onerror = (error) => {
      worker.terminate();
      reject(error);
    };
    worker.postMessage({ salt: puzzle.salt, challenge: puzzle.challenge, max_number: puzzle.max_number });
  });
}
