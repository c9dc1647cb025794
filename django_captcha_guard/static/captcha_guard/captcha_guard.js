/*
 * django-captcha-guard: refresh captcha pictures without reloading the page.
 *
 * Every widget is a [data-captcha-guard] element carrying its own configuration
 * (data-new-url, data-scope, data-expires-in), so several widgets on one page work
 * independently and no inline script is needed (the page may use a strict CSP).
 * Without this script the form still works; a reload gives a new picture.
 *
 * Apps can call window.CaptchaGuard.refresh(widget) (e.g. after a failed fetch POST,
 * since the server consumed that challenge) and window.CaptchaGuard.init(root) after
 * inserting widgets into the page.
 */
(function () {
  "use strict";

  if (window.CaptchaGuard) {
    return; // included twice: the first copy already runs
  }

  var timers = new WeakMap();
  var pending = new WeakMap();

  function part(widget, name) {
    return widget.querySelector("[data-captcha-guard-" + name + "]");
  }

  function scheduleExpiry(widget) {
    clearTimeout(timers.get(widget));
    var seconds = parseInt(widget.getAttribute("data-expires-in"), 10);
    if (seconds > 0) {
      timers.set(widget, setTimeout(function () {
        refresh(widget, { focus: false }).catch(function () {
          // reported through the captcha-guard:error event
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
            throw new Error(data.errmsg || "HTTP " + response.status);
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
        scheduleExpiry(widget);
        widget.dispatchEvent(new CustomEvent("captcha-guard:refreshed", { bubbles: true, detail: data }));
        return data;
      })
      .catch(function (error) {
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

  function init(root) {
    var widgets = (root || document).querySelectorAll("[data-captcha-guard]");
    Array.prototype.forEach.call(widgets, function (widget) {
      if (widget.hasAttribute("data-captcha-guard-ready")) {
        return;
      }
      widget.setAttribute("data-captcha-guard-ready", "");
      var button = part(widget, "refresh");
      if (button) {
        button.hidden = false; // only useful with this script, so hidden until now
        button.addEventListener("click", function () {
          refresh(widget).catch(function () {
            // reported through the captcha-guard:error event; the old picture stays
          });
        });
      }
      scheduleExpiry(widget);
    });
  }

  window.CaptchaGuard = {
    refresh: function (widget, options) {
      // Accept the widget or any element inside it, e.g. the form's answer input.
      var target = widget && widget.closest ? widget.closest("[data-captcha-guard]") : null;
      return refresh(target, options);
    },
    init: init,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
