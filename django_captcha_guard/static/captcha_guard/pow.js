/*
 * django-captcha-guard: solves each widget's proof-of-work puzzle in a Web Worker while
 * the person reads the picture, and writes the stamp into its hidden input.
 *
 * The puzzle comes in data-* attributes of [data-captcha-guard-pow] (no inline script, so
 * a strict CSP with worker-src 'self' is enough). When the widget gets a new picture
 * (captcha-guard:refreshed, from captcha_guard.js) the new puzzle is solved in turn. A
 * form submitted before its stamp is ready waits for it, then submits itself.
 */
(function () {
  "use strict";

  if (window.CaptchaGuardWork) {
    return;
  }

  var solving = new WeakMap();

  function solve(input, puzzle) {
    input.value = "";
    var job = new Promise(function (resolve, reject) {
      var worker = new Worker(input.getAttribute("data-worker"));
      worker.onmessage = function (event) {
        worker.terminate();
        if (event.data.error) {
          reject(new Error(event.data.error));
          return;
        }
        input.value = puzzle.max_number + ":" + event.data.number;
        input.dispatchEvent(new CustomEvent("captcha-guard:solved", { bubbles: true, detail: event.data }));
        resolve(event.data);
      };
      worker.onerror = function (error) {
        worker.terminate();
        reject(error);
      };
      worker.postMessage({ salt: puzzle.salt, challenge: puzzle.challenge, max_number: puzzle.max_number });
    });
    solving.set(input, job);
    return job;
  }

  function puzzleOf(input) {
    return {
      salt: input.getAttribute("data-salt"),
      challenge: input.getAttribute("data-challenge"),
      max_number: parseInt(input.getAttribute("data-max-number"), 10),
    };
  }

  function waitBeforeSubmit(form) {
    if (form.hasAttribute("data-captcha-guard-pow-form")) {
      return;
    }
    form.setAttribute("data-captcha-guard-pow-form", "");
    form.addEventListener("submit", function (event) {
      var unsolved = Array.prototype.filter.call(form.querySelectorAll("[data-captcha-guard-pow]"), function (input) {
        return !input.value && solving.has(input);
      });
      if (!unsolved.length) {
        return;
      }
      event.preventDefault();
      var submitter = event.submitter || undefined;
      Promise.all(unsolved.map(function (input) { return solving.get(input); })).then(function () {
        form.requestSubmit(submitter);
      });
    });
  }

  function init(root) {
    var inputs = (root || document).querySelectorAll("[data-captcha-guard-pow]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.hasAttribute("data-captcha-guard-pow-ready")) {
        return;
      }
      input.setAttribute("data-captcha-guard-pow-ready", "");
      solve(input, puzzleOf(input)).catch(function () {});
      var widget = input.closest("[data-captcha-guard]");
      if (widget) {
        widget.addEventListener("captcha-guard:refreshed", function (event) {
          var puzzle = event.detail && event.detail.pow;
          if (puzzle) {
            solve(input, puzzle).catch(function () {});
          }
        });
      }
      if (input.form) {
        waitBeforeSubmit(input.form);
      }
    });
  }

  window.CaptchaGuardWork = { init: init, solve: solve };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
