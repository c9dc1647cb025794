// The "send SMS code" single-page view, in plain JavaScript (the flow the Chinese
// tutorials build with Vue and a uuid). The server hands out the key: GET
// captcha/new/?inline=1 returns {key, image_url, image}, where image is the picture itself
// as a data: URL (one request instead of two; the page's CSP allows img-src data:); the POST carries the key and the answer as JSON; a failed
// check answers 400 {"code": 400, "errmsg": "..."}; after any answer the challenge is
// used up, so the page asks for a new one. audio_url is the same challenge spoken: an
// <audio> element from our own origin plays it (the CSP's default-src 'self' allows it).
"use strict";

(function () {
  const form = document.getElementById("sms-form");
  if (!form) {
    return;
  }
  const image = document.getElementById("sms-captcha-image");
  const keyInput = document.getElementById("sms-key");
  const answerInput = document.getElementById("sms-answer");
  const mobileInput = document.getElementById("sms-mobile");
  const status = document.getElementById("sms-status");
  const listen = document.getElementById("sms-listen");
  let player = null;
  const csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const config = form.dataset;

  function show(message, state) {
    status.textContent = message;
    status.dataset.state = state;
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return {};
    }
  }

  async function newChallenge() {
    // The 2x picture on a HiDPI screen: the <img> keeps its 240x80 size, so it stays sharp.
    const scale = window.devicePixelRatio > 1 ? "2" : "1";
    const query = new URLSearchParams({ scope: config.scope, inline: "1", scale: scale });
    if (keyInput.value) {
      // Retire the old challenge on the server instead of leaving it to expire.
      query.set("replaces", keyInput.value);
    }
    const response = await fetch(config.newUrl + "?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const data = await readJson(response);
    if (!response.ok || !data.key) {
      show(data.errmsg || config.loadError, "error");
      return;
    }
    keyInput.value = data.key;
    image.src = data.image || data.image_url;
    answerInput.value = "";
    if (player) {
      player.pause();
      player = null;
    }
    listen.dataset.audioUrl = data.audio_url || "";
    listen.hidden = !data.audio_url;
  }

  function play() {
    if (player) {
      player.pause();
    }
    player = new Audio(listen.dataset.audioUrl);
    player.play().catch(function () {
      show(config.loadError, "error");
    });
  }

  async function send(event) {
    event.preventDefault();
    const body = { mobile: mobileInput.value.trim() };
    body[config.keyField] = keyInput.value;
    body[config.answerField] = answerInput.value;
    const response = await fetch(config.apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    const data = await readJson(response);
    show(data.errmsg || response.statusText, data.code === 0 ? "ok" : "error");
    await newChallenge();
    answerInput.focus();
  }

  document.getElementById("sms-refresh").addEventListener("click", newChallenge);
  listen.addEventListener("click", play);
  form.addEventListener("submit", send);
  newChallenge();
})();
