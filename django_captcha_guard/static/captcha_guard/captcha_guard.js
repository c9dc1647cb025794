/*
 * django-captcha-guard: refresh captcha pictures without reloading the page, and play the
 * spoken challenge.
 *
 * Every widget is a [data-captcha-guard] element carrying its own configuration
 * (data-new-url, data-scope, data-expires-in, and the translated data-announce-* texts), so
 * several widgets on one page work independently and no inline script is needed (the page
 * may use a strict CSP). Without this script the form still works; a reload gives a new
 * picture, and the buttons stay hidden because they would do nothing.
 *
 * Apps can call window.CaptchaGuard.refresh(widget) (e.g. after a failed fetch POST,
 * since the server consumed that challenge) and window.CaptchaGuard.init(root) after
 * inserting widgets into the page.
 *
 * Features hook in with window.CaptchaGuard.use(function (widget, api) { ... }): the
 * function runs once for every widget, present and future, with api.part(widget, name),
 * api.refresh(widget, options) and api.announce(widget, text). "Listen" below is such a
 * feature; another static file loaded after this one can add its own the same way (or,
 * loaded before it, push its function onto window.CaptchaGuardFeatures).
 */
(function () {
  "use strict";

  if (window.CaptchaGuard) {
    return; // included twice: the first copy already runs
  }

  var timers = new WeakMap();
  var pending = new WeakMap();
  var features = [];

  function part(widget, name) {
    return widget.querySelector("[data-captcha-guard-" + name + "]");
  }

  // Into the widget's role="status" region, which screen readers read out politely. Emptied
  // first, so the same text said twice in a row is announced twice.
  function announce(widget, text) {
    var status = part(widget, "status");
    if (!status) {
      return;
    }
    status.textContent = "";
    setTimeout(function () {
      status.textContent = text || "";
    }, 50);
  }

  function scheduleExpiry(widget) {
    clearTimeout(timers.get(widget));
    var seconds = parseInt(widget.getAttribute("data-expires-in"), 10);
    if (seconds > 0) {
      timers.set(widget, setTimeout(function () {
        refresh(widget, { focus: false }).catch(function () {
          // reported through the captcha-guard:error event and the status line
        });
      }, seconds * 1000));
    }
  }

  function refresh(widget, options) {
    if (!widget || !widget.hasAttribute("data-captcha-guard")) {
      return Promise.reject(new Error("CaptchaGuard.refresh needs a [data-captcha-guard] element"));
    }
    if (pending.has(widget)) {
      return pending.get(widget); // a click while a refresh is under way joins it
    }
    var focus = !options || options.focus !== false;
    var keyInput = part(widget, "key");
    var url = new URL(widget.getAttribute("data-new-url"), window.location.href);
    url.searchParams.set("scope", widget.getAttribute("data-scope") || "");
    if (keyInput && keyInput.value) {
      url.searchParams.set("replaces", keyInput.value);
    }
    widget.setAttribute("aria-busy", "true");
    var request = fetch(url.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            var failure = new Error(data.errmsg || "HTTP " + response.status);
            failure.translated = Boolean(data.errmsg); // the server's message, in the page's language
            throw failure;
          }
          return data;
        });
      })
      .then(function (data) {
        var image = part(widget, "image");
        var answer = part(widget, "answer");
        var hiDpi = new URL(data.image_url, window.location.href);
        hiDpi.searchParams.set("scale", "2");
        image.setAttribute("srcset", data.image_url + " 1x, " + hiDpi.pathname + hiDpi.search + " 2x");
        image.setAttribute("src", data.image_url);
        keyInput.value = data.key;
        widget.setAttribute("data-expires-in", String(data.expires_in));
        // An answer typed for the old picture is wrong for the new one.
        var hadFocus = document.activeElement === answer;
        answer.value = "";
        if (focus || hadFocus) {
          answer.focus();
        }
        announce(widget, widget.getAttribute("data-announce-picture"));
        scheduleExpiry(widget);
        widget.dispatchEvent(new CustomEvent("captcha-guard:refreshed", { bubbles: true, detail: data }));
        return data;
      })
      .catch(function (error) {
        announce(widget, error.translated ? error.message : widget.getAttribute("data-announce-failed"));
        widget.dispatchEvent(new CustomEvent("captcha-guard:error", { bubbles: true, detail: error }));
        throw error;
      })
      .finally(function () {
        pending.delete(widget);
        widget.removeAttribute("aria-busy");
      });
    pending.set(widget, request);
    return request;
  }

  var api = { part: part, refresh: refresh, announce: announce };

  // The refresh button: a new challenge, focus back on the emptied answer input.
  function refreshButton(widget) {
    var button = part(widget, "refresh");
    if (!button) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      refresh(widget).catch(function () {
        // reported through the event and the status line; the old picture stays
      });
    });
  }

  // The Listen button: fetches the clip once per challenge and plays it through Web Audio,
  // which needs no media-src in the page's CSP (a blob: URL in an <audio> element would).
  // Nothing is announced while it plays, so a screen reader does not talk over the clip.
  function listenButton(widget) {
    var button = part(widget, "listen");
    var AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!button || !AudioContextClass) {
      return;
    }
    var context = null;
    var clip = { url: null, buffer: null };
    var playing = null;

    function stop() {
      if (playing) {
        playing.onended = null;
        playing.stop();
        playing = null;
        widget.removeAttribute("data-captcha-guard-playing");
      }
    }

    function load(url) {
      if (clip.url === url) {
        return Promise.resolve(clip.buffer);
      }
      return fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            return response.text().then(function (text) {
              var failure = new Error(text || "HTTP " + response.status);
              failure.translated = Boolean(text);
              throw failure;
            });
          }
          return response.arrayBuffer();
        })
        .then(function (data) {
          return new Promise(function (resolve, reject) {
            context.decodeAudioData(data, resolve, reject);
          });
        })
        .then(function (buffer) {
          clip = { url: url, buffer: buffer };
          return buffer;
        });
    }

    button.hidden = !button.getAttribute("data-audio-url");
    button.addEventListener("click", function () {
      context = context || new AudioContextClass();
      stop(); // a second press starts the clip again
      context.resume();
      load(button.getAttribute("data-audio-url"))
        .then(function (buffer) {
          playing = context.createBufferSource();
          playing.buffer = buffer;
          playing.connect(context.destination);
          playing.onended = function () {
            playing = null;
            widget.removeAttribute("data-captcha-guard-playing");
          };
          widget.setAttribute("data-captcha-guard-playing", "");
          playing.start();
          widget.dispatchEvent(new CustomEvent("captcha-guard:listen", { bubbles: true, detail: { duration: buffer.duration } }));
        })
        .catch(function (error) {
          announce(widget, error.translated ? error.message : widget.getAttribute("data-announce-failed"));
          widget.dispatchEvent(new CustomEvent("captcha-guard:error", { bubbles: true, detail: error }));
        });
    });
    widget.addEventListener("captcha-guard:refreshed", function (event) {
      stop();
      var url = event.detail.audio_url;
      button.setAttribute("data-audio-url", url || "");
      button.hidden = !url;
    });
  }

  function setUp(widget) {
    features.forEach(function (feature) {
      feature(widget, api);
    });
  }

  function init(root) {
    var widgets = (root || document).querySelectorAll("[data-captcha-guard]");
    Array.prototype.forEach.call(widgets, function (widget) {
      if (widget.hasAttribute("data-captcha-guard-ready")) {
        return;
      }
      widget.setAttribute("data-captcha-guard-ready", "");
      setUp(widget);
      scheduleExpiry(widget);
    });
  }

  function use(feature) {
    features.push(feature);
    // Widgets already set up get the new feature too.
    Array.prototype.forEach.call(document.querySelectorAll("[data-captcha-guard-ready]"), function (widget) {
      feature(widget, api);
    });
  }

  window.CaptchaGuard = {
    refresh: function (widget, options) {
      // Accept the widget or any element inside it, e.g. the form's answer input.
      var target = widget && widget.closest ? widget.closest("[data-captcha-guard]") : null;
      return refresh(target, options);
    },
    init: init,
    use: use,
  };

  use(refreshButton);
  use(listenButton);
  (window.CaptchaGuardFeatures || []).forEach(use);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
