/*
 * django-captcha-guard proof of work, in a Web Worker (CSP: worker-src 'self').
 *
 * Message in: {salt, challenge, max_number, engine?}; message out: {number, hashes, ms,
 * engine} once SHA-256(salt + number) equals challenge, or {error} if no number up to
 * max_number does (a forged or stale puzzle).
 *
 * The search uses the small SHA-256 below, which hashes the one block in place: measured
 * in Chromium on this project's machine it is ten times faster than Web Crypto or more,
 * whose every digest is a separate asynchronous call (docs/cost.md). It also works where
 * Web Crypto does not exist (plain HTTP other than localhost). engine: "webcrypto" uses
 * crypto.subtle instead where it exists.
 */
"use strict";

var K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
var W = new Uint32Array(64);

// SHA-256 of ASCII text (the salt and a number are ASCII), as 64 hex digits.
function sha256(text) {
  var length = text.length;
  var blocks = ((length + 9 + 63) >> 6) << 4;
  var words = new Uint32Array(blocks);
  for (var i = 0; i < length; i++) {
    words[i >> 2] |= text.charCodeAt(i) << (24 - (i & 3) * 8);
  }
  words[length >> 2] |= 0x80 << (24 - (length & 3) * 8);
  words[blocks - 1] = length * 8;
  var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
  var h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
  for (var offset = 0; offset < blocks; offset += 16) {
    for (var t = 0; t < 64; t++) {
      if (t < 16) {
        W[t] = words[offset + t];
      } else {
        var a = W[t - 15], b = W[t - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
    }
    var A = h0, B = h1, C = h2, D = h3, E = h4, F = h5, G = h6, H = h7;
    for (t = 0; t < 64; t++) {
      var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
      var t1 = (H + S1 + ((E & F) ^ (~E & G)) + K[t] + W[t]) | 0;
      var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
      var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
      H = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
    }
    h0 = (h0 + A) | 0; h1 = (h1 + B) | 0; h2 = (h2 + C) | 0; h3 = (h3 + D) | 0;
    h4 = (h4 + E) | 0; h5 = (h5 + F) | 0; h6 = (h6 + G) | 0; h7 = (h7 + H) | 0;
  }
  return [h0, h1, h2, h3, h4, h5, h6, h7].map(function (word) {
    return ("0000000" + (word >>> 0).toString(16)).slice(-8);
  }).join("");
}

function hex(buffer) {
  var bytes = new Uint8Array(buffer);
  var out = "";
  for (var i = 0; i < bytes.length; i++) {
    out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  }
  return out;
}

// Web Crypto is asynchronous: hash a batch at a time, so the promises overlap.
async function searchWebCrypto(salt, challenge, max) {
  var encoder = new TextEncoder();
  var batch = 2000;
  for (var start = 0; start <= max; start += batch) {
    var end = Math.min(start + batch - 1, max);
    var pending = [];
    for (var n = start; n <= end; n++) {
      pending.push(crypto.subtle.digest("SHA-256", encoder.encode(salt + n)));
    }
    var digests = await Promise.all(pending);
    for (var i = 0; i < digests.length; i++) {
      if (hex(digests[i]) === challenge) {
        return start + i;
      }
    }
  }
  return -1;
}

// The salt and a number fit one 64-byte block (up to 55 bytes of text): hash that block in
// place, changing only the digits, and compare the first word before anything else.
function searchJs(salt, challenge, max) {
  var first = parseInt(challenge.slice(0, 8), 16) | 0;
  var bytes = new Uint8Array(64);
  for (var i = 0; i < salt.length; i++) {
    bytes[i] = salt.charCodeAt(i);
  }
  for (var n = 0; n <= max; n++) {
    var digits = String(n);
    var length = salt.length + digits.length;
    if (length > 55) {
      if (sha256(salt + n) === challenge) {
        return n;
      }
      continue;
    }
    for (var d = 0; d < digits.length; d++) {
      bytes[salt.length + d] = digits.charCodeAt(d);
    }
    bytes[length] = 0x80; // the number only grows longer, so older padding is overwritten
    bytes[62] = (length * 8) >>> 8;
    bytes[63] = (length * 8) & 0xff;
    for (var t = 0; t < 16; t++) {
      W[t] = (bytes[4 * t] << 24) | (bytes[4 * t + 1] << 16) | (bytes[4 * t + 2] << 8) | bytes[4 * t + 3];
    }
    if (firstWord() === first && sha256(salt + n) === challenge) {
      return n;
    }
  }
  return -1;
}

// The first word of SHA-256 of the one block in W[0..15].
function firstWord() {
  for (var t = 16; t < 64; t++) {
    var a = W[t - 15], b = W[t - 2];
    var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  var A = 0x6a09e667, B = 0xbb67ae85, C = 0x3c6ef372, D = 0xa54ff53a;
  var E = 0x510e527f, F = 0x9b05688c, G = 0x1f83d9ab, H = 0x5be0cd19;
  for (t = 0; t < 64; t++) {
    var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
    var t1 = (H + S1 + ((E & F) ^ (~E & G)) + K[t] + W[t]) | 0;
    var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
    var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
    H = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
  }
  return (0x6a09e667 + A) | 0;
}

self.onmessage = async function (event) {
  var puzzle = event.data;
  var began = performance.now();
  var webCrypto = puzzle.engine === "webcrypto" && self.crypto && self.crypto.subtle;
  var number = webCrypto
    ? await searchWebCrypto(puzzle.salt, puzzle.challenge, puzzle.max_number)
    : searchJs(puzzle.salt, puzzle.challenge, puzzle.max_number);
  var result = { number: number, hashes: number + 1, ms: performance.now() - began, engine: webCrypto ? "webcrypto" : "js" };
  self.postMessage(number < 0 ? { error: "no solution up to max_number" } : result);
};
