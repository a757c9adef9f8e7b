/* 党建口袋工具书 — site search, in Material's header.
 *
 * The index (hooks/kb/outputs/search.py) lives in <site>/search/: a manifest and, per version,
 * chunks of postings and one file per page. Nothing is loaded until the reader focuses the search
 * box, and then only the chunks of the character pairs the query has. Every file is a script that
 * hands its data to window.__tbSearch, so the same search runs on the server and opened from disk
 * (file://, the offline bundle), with the same results.
 *
 * A query is cut as the index is: each run of letters and digits into its overlapping pairs of
 * characters (三会一课 → 三会 会一 一课); a record matches where the pairs stand side by side, that is
 * where its text contains the run. Terms the reader separates with spaces must all occur. These are
 * the exact results, ranked: the query in the title, then in the keywords, then in the summary, then
 * in the text; then by the score of the query's words (below); then standards, methods, cases, issues,
 * other pages, newer first (index.place).
 *
 * The query is also cut into words (understand()): the vocabulary made at build time
 * (hooks/kb/outputs/vocabulary.py) finds the longest words, a word typed with one wrong character is
 * read as the site's word when the typed one occurs nowhere, the browser's Intl.Segmenter cuts what the
 * vocabulary does not know, single characters are dropped, letters are read as pinyin (dangfei, df →
 * 党费), each word brings its synonyms (data/synonyms.yml), and generic words (制度, 怎么) are not
 * required. Records with all the words follow the exact ones (those with all the words in the title
 * or keywords come before exact matches in the summary or text), then records with most of them; each
 * group ranked by BM25 over the fields (title, keywords, summary, text) with a bonus for the words
 * standing close together. The results line says what was done, and each result that does not contain
 * the query as typed says which words it has. Facets narrow them by kind, category, unit and year.
 * Keys: "/", "s" or "f" focus the box, Esc closes it, ↑/↓ move through results, Enter opens one.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-tb-search]");
  if (!root) return;
  var toggle = document.getElementById("__search");
  var input = root.querySelector(".md-search__input");
  var form = root.querySelector(".md-search__form");
  var meta = root.querySelector(".md-search-result__meta");
  var list = root.querySelector(".md-search-result__list");
  var facetBox = root.querySelector(".tb-facets");

  var FACET_NAMES = { kind: "类型", category: "类别", unit: "单位", year: "年份" };
  var PAGE = 10;
  var config = JSON.parse(document.getElementById("__config").textContent);
  var base = new URL(config.base.replace(/\/?$/, "/"), location.href);
  var OFFLINE = location.protocol === "file:";
  var RUN = /[\p{L}\p{N}]+/gu; // letters and digits: kb.outputs.search.RUN
  var QUOTES = /[“”‘’"'「」『』《》〈〉]/g; // left out of what is compared: kb.outputs.search.QUOTES

  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var LATIN = /^[a-z]+$/;
  var LONGEST = 12; // characters of a vocabulary word (kb.outputs.vocabulary.LONGEST)
  // A word's score: its idf times BM25's saturated count in the text and summary (the summary weighs SUMMARY
  // times), plus TITLE if it is in the title (half of it for a title the query's words make up only a little
  // of), plus KEYWORD if it is among the keywords. Generic words and words found by their pinyin count less.
  var SUMMARY = 3, K1 = 1.2, TITLE = 3, KEYWORD = 1.5, GENERIC = 0.3, PINYIN = 0.5, TITLED = 0.8, IDF_FLOOR = 0.2;
  var SPARE = 20000; // bytes of a pair's chunk from which a word that is not the query's own is not loaded (affordable())
  var BLOCK = 4000; // bytes of a block of a common pair's positions (kb.outputs.search.BLOCK_BYTES)

  var active = {};   // facet -> selected value
  var results = [];  // page numbers, best first
  var found = null;  // the last search (see search())
  var shown = 0;
  var generation = 0; // drops answers to queries that were superseded

  // -- loading: each file of the index is a script that hands its data to window.__tbSearch ----

  var arrived = {};
  var loads = {};
  window.__tbSearch = {
    manifest: function (m) { arrived.manifest = m; },
    chunk: function (n, tokens) { arrived["c" + n] = tokens; },
    words: function (n, entries) { arrived["w" + n] = entries; },
    pinyin: function (n, entries) { arrived["y" + n] = entries; },
    page: function (n, data) { arrived["p" + n] = data; },
    positions: function (n, data) { arrived["t" + n] = data; },
    ranks: function (n, data) { arrived["r" + n] = data; }
  };

  function script(key, path) {
    if (!loads[key]) loads[key] = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = new URL(path, base).href;
      s.onload = function () {
        s.remove();
        if (key in arrived) { resolve(arrived[key]); delete arrived[key]; }
        else { delete loads[key]; reject(new Error(path)); }
      };
      s.onerror = function () { s.remove(); delete loads[key]; reject(new Error(path)); };
      document.head.appendChild(s);
    });
    return loads[key];
  }

  var index = null;
  var loading = null;

  function load() {
    if (!loading) {
      loading = script("manifest", "search/index.js").then(function (m) {
        index = {
          version: m.version, pages: m.pages, firsts: m.chunks, lasts: m.lasts, sizes: m.sizes, fields: m.fields,
          vocabulary: m.words,
          facets: m.facets.map(function (f) { return { name: f.name, values: f.values, of: column(f.of, m.pages) }; }),
          tokens: {}, heavy: {}, lists: {}, loaded: {}, starts: {}, ends: {}, spell: {}, spellChunks: {},
          pinyin: m.pinyin, synonyms: {}, generic: {}, titles: column(m.titles, m.pages)
        };
        index.place = places(m.kinds, index.facets.filter(function (f) { return f.name === "kind"; })[0], m.pages);
        m.synonyms.forEach(function (group) {
          group.forEach(function (w) { index.synonyms[w] = group.filter(function (x) { return x !== w; }); });
        });
        m.generic.forEach(function (w) { index.generic[w] = true; });
        return index;
      }, function () {
        loading = null;
        meta.textContent = OFFLINE
          ? "直接打开网页文件时不能搜索：没有找到搜索索引。请使用完整的离线版（toolbook-offline.zip）。"
          : "搜索暂时无法使用：没有找到搜索索引。请联系网站管理员。";
        throw new Error("search index not available");
      });
    }
    return loading;
  }

  // Where each page comes among results that are otherwise equal: by kind (standards, methods, cases, issues, then
  // the hand-written pages), newer first. Within a kind a newer page has the larger number (kb.outputs.search._numbered).
  function places(kinds, kind, n) {
    var rank = kind.values.map(function (label) { return kinds.indexOf(label); }), out = new Array(n);
    for (var page = 0; page < n; page++) {
      var v = kind.of[page];
      out[page] = (v ? rank[v - 1] : kinds.length) * n + (n - 1 - page);
    }
    return out;
  }

  function varints(b64) {
    var bin = atob(b64), out = [], i = 0;
    while (i < bin.length) {
      var v = 0, shift = 0, b;
      do { b = bin.charCodeAt(i++); v += (b & 127) * Math.pow(2, shift); shift += 7; } while (b & 128);
      out.push(v);
    }
    return out;
  }

  // A facet column: its values' numbers for every page, as varints; "r" when run-length coded.
  function column(coded, n) {
    var numbers = varints(coded.data);
    if (!coded.runs) return numbers;
    var out = [];
    for (var i = 0; i < numbers.length; i += 2) for (var k = 0; k < numbers[i + 1]; k++) out.push(numbers[i]);
    return out;
  }

  // The chunk whose keys run from at most `token` (in `firsts`, the pairs' by default); -1 before the first.
  function chunkAt(token, firsts) {
    firsts = firsts || index.firsts;
    var lo = -1, hi = firsts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (firsts[mid] <= token) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // The chunk that would hold `token`; -1 if none can (it sorts between two chunks: the index has no such pair).
  function chunkOf(token) {
    var c = chunkAt(token);
    return c >= 0 && token <= index.lasts[c] ? c : -1;
  }

  // A chunk of pairs: [pair, postings], or a common pair's [pair, what ranks the last pages, the name of its
  // blocks of positions in the text, the first page of each block, and the name of what ranks the pages before, if
  // any, loaded with the chunk] (kb.outputs.search.Postings.split).
  function chunk(n) {
    return script("c" + n, "search/" + index.version + "/c/" + n + ".js").then(function (tokens) {
      var before = [];
      tokens.forEach(function (t) {
        if (t[0] in index.tokens) return;
        index.tokens[t[0]] = t[1];
        if (t.length > 2) index.heavy[t[0]] = { first: t[2], pages: t[3] };
        if (t[4]) before.push(script("r" + t[4], "search/" + index.version + "/r/" + t[4] + ".js").then(function (coded) {
          index.tokens[t[0]] = [coded, t[1]];
        }));
      });
      return Promise.all(before).then(function () { index.loaded[n] = true; return tokens; });
    });
  }

  // The name of block k of a common pair's positions (its file t/<name>.js).
  function blockId(list, k) {
    return list.blocks.first + "-" + k;
  }

  // Block k of a common pair's positions in the text, into its postings.
  function block(list, k) {
    var id = blockId(list, k);
    return script("t" + id, "search/" + index.version + "/t/" + id + ".js").then(function (coded) {
      if (list.filled[k]) return;
      var v = varints(coded), next = 0, end = list.blocks.pages[k + 1];
      for (var i = find(list.pages, list.blocks.pages[k]); i < list.pages.length && !(list.pages[i] >= end); i++) {
        var n = list.text[i], head = list.at[i], p = head.length ? head[head.length - 1] : 0, at = new Array(n);
        for (var m = 0; m < n; m++) { p += v[next++]; at[m] = p; }
        list.textAt[i] = at;
      }
      list.filled[k] = true;
    });
  }

  // Which block of a common pair's positions has those of its i-th page.
  function blockIndex(list, i) {
    var pages = list.blocks.pages, lo = 0, hi = pages.length - 1, page = list.pages[i];
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (pages[mid] <= page) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // A chunk of the vocabulary: [pair, words that begin with it, words of 3+ characters that end with it].
  function wordChunk(n) {
    return script("w" + n, "search/" + index.version + "/w/" + n + ".js").then(function (entries) {
      entries.forEach(function (e) {
        if (e[1]) index.starts[e[0]] = e[1].split("|");
        if (e[2]) index.ends[e[0]] = e[2].split("|");
      });
      return entries;
    });
  }

  // A chunk of spellings: [pinyin or initials, the words it spells].
  function spellChunk(n) {
    return script("y" + n, "search/" + index.version + "/y/" + n + ".js").then(function (entries) {
      index.spellChunks[n] = entries;
      entries.forEach(function (e) { index.spell[e[0]] = e[1].split("|"); });
      return entries;
    });
  }

  // A token's postings: {pages: [numbers], at: [positions per page]}; a common pair's: `at` has only the positions
  // in the title, keywords and summary, `text` how many it has in the page's text, `textAt` those positions once
  // their block is loaded (block()).
  function postings(token) {
    if (index.lists[token]) return index.lists[token];
    var coded = index.tokens[token], heavy = index.heavy[token];
    var list = { pages: [], at: [] };
    if (!coded && chunkOf(token) >= 0 && !index.loaded[chunkOf(token)]) return list; // not known yet: not kept
    if (heavy) { list.text = []; list.textAt = []; list.blocks = heavy; list.filled = {}; list.known = []; list.open = []; }
    if (coded) {
      var v = typeof coded === "string" ? varints(coded) : varints(coded[0]).concat(varints(coded[1])), i = 0, page = -1;
      while (i < v.length) {
        page += v[i];
        var n = v[i + 1], head = heavy ? v[i + 2] : n, from = heavy ? i + 3 : i + 2, at = new Array(head), p = 0;
        for (var k = 0; k < head; k++) { p += v[from + k]; at[k] = p; }
        list.pages.push(page); list.at.push(at);
        if (heavy) { list.text.push(n - head); list.textAt.push(null); }
        i = from + head;
      }
    }
    index.lists[token] = list;
    return list;
  }

  // A position in a page's text that is not known: a common pair's whose block this search has not loaded.
  var UNKNOWN = 0x7fffffff;

  // The positions of a token's i-th page: those not known as UNKNOWN (at the end, as the text's are).
  function startsAt(list, i) {
    if (!list.text || !list.text[i]) return list.at[i];
    var known = inSearch["t" + blockId(list, blockIndex(list, i))] && list.textAt[i];
    if (known) return list.known[i] || (list.known[i] = list.at[i].concat(known));
    if (list.open[i]) return list.open[i];
    var out = list.at[i].slice();
    for (var n = list.text[i]; n > 0; n--) out.push(UNKNOWN);
    return list.open[i] = out;
  }

  // Where `value` is in a sorted array (-1: it is not); first: where it is first, or would be (the count before it).
  function find(sorted, value, first) {
    var lo = 0, hi = sorted.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] < value) lo = mid + 1; else hi = mid;
    }
    return first || sorted[lo] === value ? lo : -1;
  }

  // -- matching ------------------------------------------------------------------------------

  // What the index and the query compare (kb.outputs.search.normalise).
  function normalise(text) { return String(text).normalize("NFKC").toLowerCase().replace(QUOTES, ""); }

  // A text as normalise() makes it, with the place in the original of each character (for marking it there).
  function folded(text) {
    var s = "", at = [];
    for (var i = 0; i < text.length;) {
      var ch = String.fromCodePoint(text.codePointAt(i)), n = normalise(ch);
      for (var k = 0; k < n.length; k++) { s += n[k]; at.push(i); }
      i += ch.length;
    }
    at.push(text.length);
    return { s: s, at: at };
  }

  function runsOf(query) {
    var runs = [];
    normalise(query).split(/\s+/).forEach(function (term) {
      (term.match(RUN) || []).forEach(function (run) { if (runs.indexOf(run) < 0) runs.push(run); });
    });
    return runs;
  }

  // The bytes of a pair's chunk (0: in no chunk, the index does not have it); a common pair's, with its blocks.
  function cost(token) {
    var c = chunkOf(token);
    return c < 0 ? 0 : index.sizes[c];
  }

  // A pair whose chunk costs more than SPARE: on most pages (党员, 支部, 工作).
  function dear(token) { return cost(token) > SPARE; }

  var inSearch = {}; // the chunks of pairs this search has asked for: what it knows, whatever was loaded before

  // The pairs a run needs: enough to cover every character (the first pair, the last, and no character
  // left between two), the cheapest to load: common pairs (党员, 工作) have chunks of their own of a
  // hundred KB and more.
  var covers = {};
  function pairsOf(run) {
    if (run.length === 1) return [];
    if (covers[run]) return covers[run];
    var n = run.length - 1, best = [{ cost: cost(run.substr(0, 2)), from: -1 }]; // best[o]: a cover ending in pair o
    for (var o = 1; o < n; o++) {
      var here = cost(run.substr(o, 2));
      best.push(null);
      for (var back = Math.max(0, o - 2); back < o; back++) {
        if (best[back] && (!best[o] || best[back].cost + here < best[o].cost)) best[o] = { cost: best[back].cost + here, from: back };
      }
    }
    var out = [];
    for (var at = n - 1; at >= 0; at = best[at].from) {
      var from = best[at].from; // a cheap pair skipped between two dear ones is kept: it tells where they stand
      out.unshift({ offset: at, token: run.substr(at, 2) });
      if (from === at - 2 && dear(run.substr(at, 2)) && dear(run.substr(from, 2)) && !dear(run.substr(at - 1, 2))) {
        out.unshift({ offset: at - 1, token: run.substr(at - 1, 2) });
      }
    }
    return covers[run] = out;
  }

  // Load the chunks a set of runs needs.
  function fetchRuns(runs) {
    var needed = {};
    runs.forEach(function (run) {
      if (run.length === 1) {
        for (var c = Math.max(chunkAt(run), 0), last = chunkAt(run + "\uffff"); c <= last; c++) needed[c] = true;
      } else {
        pairsOf(run).forEach(function (p) { var c = chunkOf(p.token); if (c >= 0) needed[c] = true; });
      }
    });
    Object.keys(needed).forEach(function (c) { inSearch[c] = true; });
    return Promise.all(Object.keys(needed).map(function (c) { return chunk(+c); }));
  }

  // The pairs that tell where a run stands: those that cover it (pairsOf), and any other of its pairs this search
  // has loaded (where a common pair's positions are not known, they narrow the places it may stand).
  function partsOf(run) {
    var cover = pairsOf(run), parts = cover.map(function (p) { return { offset: p.offset, list: postings(p.token) }; });
    for (var o = 0; o + 1 < run.length; o++) {
      var t = run.substr(o, 2);
      if (inSearch[chunkOf(t)] && !cover.some(function (p) { return p.offset === o; })) parts.push({ offset: o, list: postings(t) });
    }
    return parts;
  }

  // Where a run occurs: page -> start positions. Where a common pair's positions in a page's text are not known
  // (UNKNOWN), the run is taken to stand wherever its other pairs put it in the text; if none is known, as
  // often as the least of its pairs stands there, at UNKNOWN.
  function occurrences(run) {
    var out = new Map();
    if (run.length === 1) { // the pairs that start with it, and the run ends that are it
      Object.keys(index.tokens).forEach(function (t) {
        if (t[0] !== run && t !== run) return;
        var list = postings(t);
        list.pages.forEach(function (page, i) {
          var at = out.get(page);
          if (!at) out.set(page, at = []);
          Array.prototype.push.apply(at, startsAt(list, i));
        });
      });
      out.forEach(function (at) { at.sort(function (a, b) { return a - b; }); });
      return out;
    }
    var parts = partsOf(run), text = index.fields[3];
    var rarest = parts.reduce(function (a, b) { return b.list.pages.length < a.list.pages.length ? b : a; });
    rarest.list.pages.forEach(function (page) {
      var at = [], open = [], anchor = -1, k;
      for (k = 0; k < parts.length; k++) {
        var i = find(parts[k].list.pages, page);
        if (i < 0) return;
        at.push(startsAt(parts[k].list, i));
        open.push(at[k][at[k].length - 1] === UNKNOWN);
        if (!open[k] && (anchor < 0 || at[k].length < at[anchor].length)) anchor = k;
      }
      var fits = function (s) {
        for (var k = 0; k < parts.length; k++) {
          var want = s + parts[k].offset;
          if (find(at[k], want) < 0 && !(open[k] && want >= text)) return false;
        }
        return true;
      };
      var from = anchor < 0 ? 0 : anchor, starts = [];
      at[from].forEach(function (p) {
        if (p !== UNKNOWN && fits(p - parts[from].offset)) starts.push(p - parts[from].offset);
      });
      if (anchor < 0) { // every pair's text positions open: as often as the least of them
        var least = Infinity;
        for (k = 0; k < parts.length; k++) least = Math.min(least, at[k].length - find(at[k], UNKNOWN, true));
        for (; least > 0; least--) starts.push(UNKNOWN);
      }
      if (starts.length) out.set(page, starts);
    });
    return out;
  }

  // The blocks of positions that tell where `run` stands in the pages' text: of its common pairs, on the pages
  // where what is known leaves it a place there (and, if given, that are `among`). id -> {list, k}.
  function blocksFor(run, among) {
    var needed = {}, text = index.fields[3];
    if (run.length < 3) return needed; // a pair alone: its count ranks a page
    var parts = partsOf(run);
    if (!parts.some(function (p) { return p.list.text; })) return needed;
    occurs(run).forEach(function (starts, page) {
      if (starts[starts.length - 1] < text || (among && !among.has(page))) return; // only in the title, keywords or summary
      parts.forEach(function (p) {
        var list = p.list, i = list.text ? find(list.pages, page) : -1;
        if (i < 0 || !list.text[i]) return;
        var k = blockIndex(list, i);
        if (!inSearch["t" + blockId(list, k)]) needed[blockId(list, k)] = { list: list, k: k };
      });
    });
    return needed;
  }

  // Load the positions the query needs: for the query as typed, its runs' blocks on the pages that may have
  // them all (what contains it is exact); for a word, its blocks if they are at most SPARE bytes, else it is
  // taken to stand wherever its pairs leave it a place (a common pair's blocks of a word on most pages would
  // cost more than the query).
  function fetchPositions(runs, words) {
    var wanted = {}, among = null;
    var want = function (run, most, on) {
      var needed = blocksFor(run, on), ids = Object.keys(needed);
      if (most !== undefined && ids.length * BLOCK > most) return;
      ids.forEach(function (id) { wanted[id] = needed[id]; inSearch["t" + id] = true; });
    };
    if (runs.length > 1) runs.forEach(function (run) {
      var has = new Set();
      occurs(run).forEach(function (starts, page) { if (!among || among.has(page)) has.add(page); });
      among = has;
    });
    runs.forEach(function (run) { want(run, undefined, among); });
    words.forEach(function (w) { if (runs.indexOf(w) < 0) want(w, SPARE); });
    return Promise.all(Object.keys(wanted).map(function (id) { return block(wanted[id].list, wanted[id].k); }));
  }

  // 3 title, 2 keywords, 1 summary, 0 text
  function field(position) {
    var f = index.fields;
    return position < f[1] ? 3 : position < f[2] ? 2 : position < f[3] ? 1 : 0;
  }

  // Every page with every run (the exact results); best first, with the best field each has them in (.fields).
  function match(runs) {
    var scores = null;
    runs.forEach(function (run) {
      var next = new Map();
      occurs(run).forEach(function (starts, page) {
        var before = scores ? scores.get(page) : { field: 3, count: 0 };
        if (!before) return;
        var best = 0, count = 0;
        starts.forEach(function (p) { var f = field(p); if (f > best) best = f; if (f === 0) count++; });
        next.set(page, { field: Math.min(before.field, best), count: before.count + count });
      });
      scores = next;
    });
    var pages = scores ? Array.from(scores.keys()) : [];
    pages.sort(function (a, b) {
      var x = scores.get(a), y = scores.get(b);
      return y.field - x.field || Math.min(y.count, 3) - Math.min(x.count, 3) || index.place[a] - index.place[b];
    });
    pages.fields = new Map();
    pages.forEach(function (page) { pages.fields.set(page, scores.get(page).field); });
    return pages;
  }

  // -- understanding a query: words, synonyms, typos, pinyin ---------------------------------

  // Every pair of characters of a text (the lexicon is kept with them).
  function allPairs(text) {
    var out = [];
    for (var i = 0; i + 1 < text.length; i++) out.push(text.substr(i, 2));
    return out;
  }

  // Load the vocabulary of every pair of the runs, and the spellings of letters.
  function fetchWords(runs) {
    var needed = {}, spelled = {};
    runs.forEach(function (run) {
      allPairs(run).forEach(function (p) {
        var c = chunkAt(p, index.vocabulary.firsts);
        if (c >= 0 && p <= index.vocabulary.lasts[c]) needed[c] = true;
      });
      if (LATIN.test(run) && run.length > 1) {
        var c = chunkAt(run, index.pinyin.firsts);
        if (c >= 0) spelled[c] = true;
      }
    });
    return Promise.all(Object.keys(needed).map(function (c) { return wordChunk(+c); }).concat(
      Object.keys(spelled).map(function (c) { return spellChunk(+c); })));
  }

  function isWord(w) { return w in index.synonyms || w in index.generic || (index.starts[w.substr(0, 2)] || []).indexOf(w) >= 0; }

  // Words the vocabulary knows starting at `at` in `s`.
  function wordsAt(s, at) {
    var out = [];
    (index.starts[s.substr(at, 2)] || []).forEach(function (w) { if (s.substr(at, w.length) === w) out.push(w); });
    for (var n = 2; n <= LONGEST && at + n <= s.length; n++) {
      var w = s.substr(at, n);
      if ((w in index.synonyms || w in index.generic) && out.indexOf(w) < 0) out.push(w);
    }
    return out;
  }

  // Words of the vocabulary of 3+ characters that `span` (occurring nowhere) misspells by one character:
  // one wrong, one left out or one too many (found by the pair they begin or end with).
  function misspelt(span) {
    var n = span.length, out = [];
    var candidates = (index.starts[span.substr(0, 2)] || []).concat(index.ends[span.substr(n - 2)] || []);
    candidates.forEach(function (w) {
      if (w.length < 3 || Math.abs(w.length - n) > 1 || out.indexOf(w) >= 0 || !oneEdit(w, span)) return;
      out.push(w);
    });
    return out;
  }

  // Whether a and b (a ≠ b) differ by one character replaced, left out or added.
  function oneEdit(a, b) {
    if (a.length < b.length) { var t = a; a = b; b = t; }
    var i = 0;
    while (i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
    return a.slice(i + 1) === b.slice(i);
  }

  var occurrenceCache = {}; // text -> its occurrences, for one search (emptied whenever more of the index is loaded)

  function occurs(text) { return occurrenceCache[text] || (occurrenceCache[text] = occurrences(text)); }

  // Whether the site has `text` (a part of the query), from what this search has loaded: counted, if the pairs
  // that cover it are loaded; false, if one of its pairs is in no chunk or not in its loaded chunk; else null
  // (not known).
  function occursAnywhere(text) {
    var loaded = function (token) { var c = chunkOf(token); return c < 0 || inSearch[c]; };
    if (pairsOf(text).every(function (p) { return loaded(p.token); })) {
      return occurs(text).size > 0;
    }
    return allPairs(text).some(function (t) { return loaded(t) && !(t in index.tokens); }) ? false : null;
  }

  // A run of Chinese characters cut into words: the longest the vocabulary knows (a word of n characters
  // scores n*n), a misspelt word read as the vocabulary's (one less), the rest by the browser's segmenter.
  // whole: false to cut a word into the smaller words it is made of (党员教育管理 → 党员 教育 管理).
  function segment(s, whole) {
    var n = s.length, best = [{ score: 0, from: -1, word: null }];
    for (var i = 1; i <= n; i++) best.push(null);
    for (var at = 0; at < n; at++) {
      if (!best[at]) continue;
      var here = best[at].score;
      var step = function (to, score, word, typed) {
        if (!best[to] || best[to].score < here + score) best[to] = { score: here + score, from: at, word: word, typed: typed };
      };
      step(at + 1, 0, null); // a character left to the segmenter
      wordsAt(s, at).forEach(function (w) { if (whole !== false || w !== s) step(at + w.length, w.length * w.length, w); });
      for (var len = 3; len <= LONGEST && at + len <= n; len++) {
        var span = s.substr(at, len);
        if (isWord(span)) continue;
        var fixes = misspelt(span);
        if (fixes.length && occursAnywhere(span) === false) step(at + len, (len - 1) * (len - 1) - 0.5, fixes[0], span);
      }
    }
    var pieces = [];
    for (var to = n; to > 0; to = best[to].from) pieces.unshift({ word: best[to].word, typed: best[to].typed, at: best[to].from, to: to });
    var out = [], rest = "";
    var flush = function () { // what the vocabulary does not know: whole if the site has it, else the segmenter's words
      if (whole === false) { /* parts: the vocabulary's words only */ }
      else if (rest.length > 1 && occursAnywhere(rest) === true) out.push({ word: rest });
      else if (rest) unknown(rest).forEach(function (w) { out.push({ word: w }); });
      rest = "";
    };
    pieces.forEach(function (p) {
      if (p.word) { flush(); out.push({ word: p.word, typed: p.typed }); } else rest += s.slice(p.at, p.to);
    });
    flush();
    return out;
  }

  // What the vocabulary does not know: the browser's own word segmenter, without single characters.
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter("zh", { granularity: "word" }) : null;
  function unknown(text) {
    if (text.length < 2) return [];
    if (!segmenter) return [text];
    var out = [];
    Array.from(segmenter.segment(text)).forEach(function (p) { if (p.segment.length > 1) out.push(p.segment); });
    return out;
  }

  // Pinyin or initials -> the words they spell (the prefix of a longer spelling while it is typed).
  function spelt(run) {
    if (index.spell[run]) return index.spell[run];
    if (run.length < 3) return [];
    var c = chunkAt(run, index.pinyin.firsts), out = [];
    (index.spellChunks[c] || []).forEach(function (e) {
      if (e[0].lastIndexOf(run, 0) === 0) e[1].split("|").forEach(function (w) { if (out.indexOf(w) < 0) out.push(w); });
    });
    return out.slice(0, 3);
  }

  // The query as groups of alternatives: {word, alts, generic, typed (a misspelling), spelt (the words its letters
  // spell), part (a smaller word of a long one: it ranks, as search engines' finest cut does, but is not required),
  // required}.
  function understand(runs) {
    var groups = [];
    var add = function (g) {
      if (groups.some(function (x) { return x.word === g.word; })) return;
      g.alts = [g.word].concat(index.synonyms[g.word] || []);
      if (g.spelt) g.spelt.forEach(function (w) {
        [w].concat(index.synonyms[w] || []).forEach(function (a) { if (g.alts.indexOf(a) < 0) g.alts.push(a); });
      });
      g.generic = g.word in index.generic;
      groups.push(g);
    };
    runs.forEach(function (run) {
      (run.match(/[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+/g) || []).forEach(function (part) {
        if (!CJK.test(part)) {
          var words = LATIN.test(part) ? spelt(part) : [];
          if (part.length > 1 || words.length) add({ word: part, spelt: words.length ? words : null });
          return;
        }
        segment(part).forEach(function (p) { add({ word: p.word, typed: p.typed }); });
      });
    });
    if (groups.length && groups.every(function (g) { return g.generic; })) groups.forEach(function (g) { g.generic = false; });
    groups.forEach(function (g) { g.required = !g.generic; });
    return groups;
  }

  // The smaller words of the query's long words, as groups that rank but are not required (the words' pairs are
  // loaded: their vocabulary too).
  function addParts(groups) {
    var words = groups.map(function (g) { return g.word; });
    groups.slice().forEach(function (g) {
      if (g.word.length < 4 || !CJK.test(g.word)) return;
      segment(g.word, false).forEach(function (p) {
        if (words.indexOf(p.word) >= 0) return;
        words.push(p.word);
        groups.push({ word: p.word, part: true, alts: [p.word], generic: p.word in index.generic, required: false });
      });
    });
    return groups;
  }

  // What is loaded beyond the query's own pairs is bounded: a synonym, a generic word or a part of a long word
  // that needs a chunk of more than SPARE bytes not loaded yet (a pair on most pages: 党员, 支部, 工作) is left
  // out; such a word only widens or reorders the results and would cost more than the rest of the query. The
  // words the query is made of (and the words its letters spell) are always looked up.
  function affordable(groups) {
    var dear = function (alt) {
      return alt.length > 1 && pairsOf(alt).some(function (p) {
        var c = chunkOf(p.token);
        return c >= 0 && !inSearch[c] && index.sizes[c] > SPARE;
      });
    };
    groups.forEach(function (g) {
      var own = g.required ? [g.word].concat(g.spelt || []) : [];
      g.alts = g.alts.filter(function (a) { return own.indexOf(a) >= 0 || !dear(a); });
    });
    return groups;
  }

  function alternatives(groups) {
    var alts = [];
    groups.forEach(function (g) { g.alts.forEach(function (a) { if (a.length > 1 && alts.indexOf(a) < 0) alts.push(a); }); });
    return alts;
  }

  // -- scoring -----------------------------------------------------------------------------

  // A group's occurrences: page -> sorted positions of any of its alternatives (and which alternatives).
  function groupOccurrences(g) {
    var out = new Map();
    g.alts.forEach(function (alt, k) {
      if (alt.length < 2) return;
      var occ = occurs(alt);
      occ.forEach(function (starts, page) {
        var o = out.get(page);
        if (!o) out.set(page, o = { at: [], alts: [] });
        Array.prototype.push.apply(o.at, starts);
        o.alts.push(k);
      });
    });
    out.forEach(function (o) { o.at.sort(function (a, b) { return a - b; }); });
    return out;
  }

  // The least distance between a position of `a` and one of `b` (both sorted).
  function nearest(a, b) {
    var i = 0, j = 0, d = Infinity;
    while (i < a.length && j < b.length && a[i] !== UNKNOWN && b[j] !== UNKNOWN) {
      d = Math.min(d, Math.abs(a[i] - b[j]));
      if (a[i] < b[j]) i++; else j++;
    }
    return d;
  }

  function rank(runs, groups) {
    var exact = new Map(), matched = match(runs);
    matched.forEach(function (page, i) { exact.set(page, i); });
    var required = groups.filter(function (g) { return g.required; });
    var need = Math.max(1, Math.ceil(required.length / 2));
    var n = index.pages;
    var occ = groups.map(groupOccurrences);
    var idf = occ.map(function (o) { return Math.log(1 + (n - o.size + 0.5) / (o.size + 0.5)); });
    var weight = 0; // of the required words: a title "has the query" with TITLED of it (common words may be missing)
    groups.forEach(function (g, k) { if (g.required) weight += idf[k]; });
    var pages = new Map();
    groups.forEach(function (g, k) {
      occ[k].forEach(function (o, page) {
        var p = pages.get(page);
        if (!p) pages.set(page, p = { score: 0, has: [], title: 0, titled: 0, at: {}, alts: {}, inTitle: [] });
        var tf = 0, f, inTitle = false, inKeywords = false;
        o.at.forEach(function (pos) {
          f = field(pos);
          if (f === 3) inTitle = true; else if (f === 2) inKeywords = true; else tf += f === 1 ? SUMMARY : 1;
        });
        var s = tf * (K1 + 1) / (tf + K1) + (inKeywords ? KEYWORD : 0);
        if (inTitle) {
          var len = Math.max.apply(null, o.alts.map(function (a) { return g.alts[a].length; }));
          p.titled += len;
          p.inTitle.push(k);
        }
        p.score += idf[k] * s * (g.required ? 1 : GENERIC) * (g.spelt && o.alts.indexOf(0) < 0 ? PINYIN : 1);
        p.at[k] = o.at;
        p.alts[k] = o.alts;
        if (g.required) { p.has.push(k); if (inTitle) p.title += idf[k]; }
      });
    });
    // the title: how much of it the query's words make up
    pages.forEach(function (p, page) {
      if (!p.inTitle.length) return;
      var cover = Math.min(1, p.titled / Math.max(1, index.titles[page]));
      p.inTitle.forEach(function (k) {
        var g = groups[k];
        p.score += idf[k] * TITLE * (0.5 + 0.5 * cover) * (g.required ? 1 : GENERIC) * (g.spelt ? PINYIN : 1);
      });
    });
    // a title close to the query as typed (支部建在项目上 for 项目上建支部): the share of its pairs of characters
    // that the query has, weighed as the required words are (their idf, at least IDF_FLOOR each)
    var pairsInTitle = new Map(), queryPairs = {};
    runs.forEach(function (run) { allPairs(run).forEach(function (t) { queryPairs[t] = true; }); });
    var nPairs = Object.keys(queryPairs).length;
    Object.keys(queryPairs).forEach(function (t) {
      if (!inSearch[chunkOf(t)]) return; // only what this search loaded: the same whatever came before
      var list = postings(t);
      list.pages.forEach(function (page, i) {
        if (list.at[i][0] < index.fields[1] && pages.has(page)) pairsInTitle.set(page, (pairsInTitle.get(page) || 0) + 1);
      });
    });
    var mass = 0;
    groups.forEach(function (g, k) { if (g.required) mass += Math.max(idf[k], IDF_FLOOR); });
    pairsInTitle.forEach(function (m, page) {
      pages.get(page).score += TITLE * mass * m / Math.max(nPairs, index.titles[page] - 1, 1);
    });
    // words standing close together: a bonus for each pair of neighbouring words of the query
    var near = [];
    groups.forEach(function (g, k) { if (!g.part) near.push(k); });
    pages.forEach(function (p) {
      for (var i = 1; i < near.length; i++) {
        var a = near[i - 1], b = near[i];
        if (!p.at[a] || !p.at[b]) continue;
        var gap = nearest(p.at[a], p.at[b]) - groups[a].word.length;
        if (gap < 16) p.score += Math.min(idf[a], idf[b]) * 2 / (1 + Math.max(0, gap));
      }
    });
    var out = [];
    pages.forEach(function (p, page) {
      if (exact.has(page)) return;
      var all = p.has.length === required.length;
      if (!all && p.has.length < need) return;
      p.page = page;
      p.tier = all ? (p.title >= TITLED * weight ? 1 : 3) : 4;
      out.push(p);
    });
    // the exact results: by the field that has the query, then by the score of its words
    exact.forEach(function (i, page) {
      var f = matched.fields.get(page), p = pages.get(page);
      var titled = p && required.length && p.title >= TITLED * weight;
      out.push({ page: page, tier: f >= 2 ? 0 : titled ? 1 : 2, field: f, score: p ? p.score : 0, at: p ? p.at : {}, alts: p ? p.alts : {},
                 has: required.map(function (g, k) { return k; }), exact: true });
    });
    out.sort(function (a, b) {
      return a.tier - b.tier || (b.exact ? 1 : 0) - (a.exact ? 1 : 0) || (b.field || 0) - (a.field || 0) || b.has.length - a.has.length || b.score - a.score || index.place[a.page] - index.place[b.page];
    });
    return out;
  }

  function search(query) {
    var runs = runsOf(query);
    var found = { pages: [], hits: [], runs: runs, query: query, groups: [], marks: runs.slice() };
    if (!runs.length) return Promise.resolve(found);
    var groups;
    inSearch = {};
    return fetchRuns(runs).then(function () { return fetchWords(runs); }).then(function () {
      occurrenceCache = {};
      groups = understand(runs);
      return fetchWords(groups.filter(function (g) { return g.word.length >= 4; }).map(function (g) { return g.word; }));
    }).then(function () {
      return fetchRuns(alternatives(affordable(addParts(groups))));
    }).then(function () {
      occurrenceCache = {};
      return fetchPositions(runs, alternatives(groups));
    }).then(function () {
      occurrenceCache = {}; // counted again now that every word's pairs and positions are here
      var hits = rank(runs, groups);
      found.groups = groups;
      found.hits = hits;
      found.pages = hits.map(function (h) { return h.page; });
      found.byPage = {};
      hits.forEach(function (h) { found.byPage[h.page] = h; });
      alternatives(groups).forEach(function (a) {
        if (found.marks.indexOf(a) < 0 && occurrenceCache[a] && occurrenceCache[a].size) found.marks.push(a);
      });
      return found;
    });
  }

  // Counts per facet value among the pages, each facet counted under the other facets' choices.
  function facetCounts(pages) {
    var counts = {};
    index.facets.forEach(function (f) { counts[f.name] = {}; });
    pages.forEach(function (page) {
      index.facets.forEach(function (f) {
        var v = f.of[page];
        if (!v) return;
        for (var name in active) {
          if (name !== f.name && valueOf(name, page) !== active[name]) return;
        }
        var value = f.values[v - 1];
        counts[f.name][value] = (counts[f.name][value] || 0) + 1;
      });
    });
    return counts;
  }

  function valueOf(name, page) {
    var f = index.facets.filter(function (x) { return x.name === name; })[0];
    var v = f ? f.of[page] : 0;
    return v ? f.values[v - 1] : "";
  }

  function filtered(pages) {
    return pages.filter(function (page) {
      for (var name in active) if (valueOf(name, page) !== active[name]) return false;
      return true;
    });
  }

  function pageData(n) { return script("p" + n, "search/" + index.version + "/p/" + n + ".js"); }

  // -- the search box ------------------------------------------------------------------------

  function open() {
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    load().catch(function () { /* said in the box */ });
  }

  function close() {
    if (toggle && toggle.checked) {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
    }
    input.blur();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var timer = null;

  function run() {
    var query = input.value.trim();
    var mine = ++generation;
    clearTimeout(timer);
    if (!query) {
      results = []; found = null; shown = 0; list.textContent = ""; facetBox.hidden = true;
      meta.textContent = "输入关键词开始搜索，如：支委会、党费、发展对象";
      return;
    }
    meta.textContent = "正在搜索……";
    timer = setTimeout(function () {
      load().then(function () { return search(query); }).then(function (s) {
        if (mine !== generation) return;
        found = s;
        show();
      }).catch(function () { /* said in the box */ });
    }, 60);
  }

  function show() {
    var s = found;
    var pages = filtered(s.pages);
    renderFacets(facetCounts(s.pages));
    results = pages; shown = 0; list.textContent = "";
    if (!pages.length) { empty(s.query); return; }
    meta.textContent = "共找到 " + pages.length + " 条结果";
    var note = explain(s, pages);
    if (note) meta.appendChild(el("span", "tb-search-note", note));
    more();
  }

  function quoted(words) { return words.map(function (w) { return "“" + w + "”"; }).join("、"); }

  // What the search did, in a sentence after the count (empty when every result contains the query as typed).
  function explain(s, pages) {
    var exact = pages.filter(function (p) { return s.byPage[p].exact; }).length;
    var typed = s.groups.filter(function (g) { return g.typed; });
    var spelt = s.groups.filter(function (g) { return g.spelt; });
    if (exact === pages.length && !typed.length && !spelt.length) return "";
    var present = {}; // the alternatives the results have
    pages.forEach(function (p) {
      var h = s.byPage[p];
      if (h.alts) Object.keys(h.alts).forEach(function (k) { h.alts[k].forEach(function (a) { present[s.groups[k].alts[a]] = true; }); });
    });
    var words = [], missing = [];
    s.groups.forEach(function (g) {
      if (!g.required) return;
      var has = g.alts.filter(function (a) { return present[a]; });
      if (has.length) words.push(has.join("/")); else if (!exact) missing.push(g.word);
    });
    var out = exact === pages.length ? "" : exact
      ? "其中 " + exact + " 条包含“" + s.query + "”，其余包含查询中的词" + (words.length ? "：" + words.join("、") : "")
      : "没有完全包含“" + s.query + "”的记录；以下结果包含" + (words.length ? "：" + words.join("、") : "查询中的词");
    var notes = typed.map(function (g) { return "“" + g.typed + "”按“" + g.word + "”查找"; })
      .concat(spelt.map(function (g) { return "拼音“" + g.word + "”即" + quoted(g.spelt); }));
    var generic = s.groups.filter(function (g) { return g.generic && !g.part; }).map(function (g) { return g.word; });
    if (generic.length && exact < pages.length) notes.push(quoted(generic) + "不要求出现");
    if (missing.length) notes.push("没有记录包含" + quoted(missing));
    return out + (notes.length ? "（" + notes.join("；") + "）" : "");
  }

  function empty(query) {
    meta.textContent = "";
    var box = el("div", "tb-empty md-typeset");
    box.appendChild(el("p", null, "没有找到与“" + query + "”相关的内容。"));
    var tips = el("ul");
    tips.appendChild(el("li", null, "换一个说法，或减少关键词，如把“支部委员会会议”改为“支委会”"));
    if (Object.keys(active).length) tips.appendChild(el("li", null, "取消上方已选的筛选条件"));
    var browse = el("li", null, "按栏目浏览：");
    [["标准规范", "standards/"], ["支部工作法", "methods/"], ["典型案例", "cases/"], ["月度专刊", "issues/"]].forEach(function (s, i) {
      if (i) browse.appendChild(document.createTextNode("、"));
      var a = el("a", null, s[0]); a.href = new URL(s[1] + (OFFLINE ? "index.html" : ""), base).href; browse.appendChild(a);
    });
    tips.appendChild(browse);
    box.appendChild(tips);
    var li = el("li", "md-search-result__item"); li.appendChild(box); list.appendChild(li);
  }

  function more() {
    var batch = results.slice(shown, shown + PAGE);
    var mine = generation;
    shown += batch.length;
    var old = list.querySelector(".tb-more"); if (old) old.remove();
    Promise.all(batch.map(pageData)).then(function (items) {
      if (mine !== generation) return;
      items.forEach(function (d, i) { list.appendChild(item(d, found.marks, found.byPage[batch[i]], found.groups)); });
      if (shown < results.length) {
        var li = el("li", "md-search-result__item tb-more");
        var b = el("button", "md-button", "显示更多结果（还有 " + (results.length - shown) + " 条）");
        b.type = "button"; b.addEventListener("click", more);
        li.appendChild(b); list.appendChild(li);
      }
    });
  }

  // A result; one that does not contain the query as typed says which words it has (data-tb-match: exact,
  // all or some of the words).
  function item(d, runs, hit, groups) {
    var li = el("li", "md-search-result__item");
    li.setAttribute("data-tb-match", hit.exact ? "exact" : hit.tier === 4 ? "some" : "all");
    var a = el("a", "md-search-result__link"); a.href = new URL(d.url, base).href; a.tabIndex = -1;
    var art = el("article", "md-search-result__article md-typeset");
    var line = [d.kind, d.unit, d.date].filter(Boolean).join(" · ");
    if (line) art.appendChild(el("div", "tb-result-meta", line));
    art.appendChild(marked("h1", d.title, runs));
    if (!hit.exact) {
      var has = [], lacks = [];
      groups.forEach(function (g, k) {
        if (g.part) return;
        if (hit.alts[k]) has.push(hit.alts[k].map(function (a) { return g.alts[a]; }).join("/"));
        else if (g.required) lacks.push(g.word);
      });
      art.appendChild(el("div", "tb-result-words", "含：" + has.join("、") + (lacks.length ? "；缺：" + lacks.join("、") : "")));
    }
    art.appendChild(snippet(d, runs));
    a.appendChild(art); li.appendChild(a);
    return li;
  }

  // The text around the first occurrence after the title (the text starts with it), every run marked.
  var BEFORE = 20, LENGTH = 90;

  function snippet(d, runs) {
    var text = d.text, f = folded(text), title = normalise(d.title), at = -1;
    var from = f.s.indexOf(title) === 0 ? title.length : 0;
    [from, 0].some(function (start) {
      runs.forEach(function (r) { var i = f.s.indexOf(r, start); if (i >= 0 && (at < 0 || i < at)) at = i; });
      return at >= 0;
    });
    at = at < 0 ? 0 : f.at[at];
    var start = Math.max(0, at - BEFORE), end = Math.min(text.length, start + LENGTH);
    var p = marked("p", text.slice(start, end), runs);
    if (start > 0) p.insertBefore(document.createTextNode("…"), p.firstChild);
    if (end < text.length) p.appendChild(document.createTextNode("…"));
    return p;
  }

  // An element with `text`, each occurrence of a run in <mark> (made as nodes: nothing is parsed).
  function marked(tag, text, runs) {
    var e = el(tag), f = folded(text), i = 0, shown = 0;
    while (i < f.s.length) {
      var next = -1, len = 0;
      runs.forEach(function (r) {
        var k = f.s.indexOf(r, i);
        if (k >= 0 && (next < 0 || k < next || (k === next && r.length > len))) { next = k; len = r.length; }
      });
      if (next < 0) break;
      var from = f.at[next], to = f.at[next + len];
      if (from > shown) e.appendChild(document.createTextNode(text.slice(shown, from)));
      e.appendChild(el("mark", null, text.slice(from, to)));
      shown = to; i = next + len;
    }
    if (shown < text.length) e.appendChild(document.createTextNode(text.slice(shown)));
    return e;
  }

  function renderFacets(counts) {
    facetBox.textContent = "";
    var any = false;
    index.facets.forEach(function (f) {
      var values = counts[f.name] || {};
      var names = Object.keys(values).filter(function (v) { return values[v] > 0 || active[f.name] === v; });
      if (active[f.name] && names.indexOf(active[f.name]) < 0) names.push(active[f.name]);
      if (!names.length) return;
      names.sort(function (a, b) { return f.name === "year" ? (a < b ? 1 : -1) : (values[b] || 0) - (values[a] || 0); });
      any = true;
      var row = el("div", "tb-facet");
      row.appendChild(el("span", "tb-facet__name", FACET_NAMES[f.name] || f.name));
      names.slice(0, 12).forEach(function (v) {
        var on = active[f.name] === v;
        var b = el("button", "tb-chip" + (on ? " tb-chip--on" : ""), v + " " + (values[v] || 0));
        b.type = "button";
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.addEventListener("click", function () {
          if (active[f.name] === v) delete active[f.name]; else active[f.name] = v;
          generation++;
          show(); input.focus();
        });
        row.appendChild(b);
      });
      facetBox.appendChild(row);
    });
    facetBox.hidden = !any;
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a.md-search-result__link")); }

  input.addEventListener("focus", open);
  input.addEventListener("input", run);
  form.addEventListener("reset", function () { active = {}; setTimeout(run, 0); });
  if (toggle) toggle.addEventListener("change", function () {
    // Material's label toggles the box on a click: focus follows, unless it was closed meanwhile.
    if (toggle.checked && document.activeElement !== input) setTimeout(function () {
      if (toggle.checked) input.focus();
    }, 50);
  });

  document.addEventListener("keydown", function (e) {
    var typing = e.target instanceof HTMLElement && (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
    if (!toggle || !toggle.checked) {
      if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && (e.key === "/" || e.key === "s" || e.key === "f")) {
        e.preventDefault(); input.focus(); input.select(); open();
      }
      return;
    }
    if (e.key === "Escape") { e.preventDefault(); close(); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      var all = [input].concat(links());
      var i = all.indexOf(document.activeElement);
      var next = all[(Math.max(i, 0) + (e.key === "ArrowDown" ? 1 : all.length - 1)) % all.length];
      e.preventDefault(); next.focus();
      return;
    }
    if (e.key === "Enter" && e.target === input) {
      var first = links()[0];
      if (first) { e.preventDefault(); location.href = first.href; }
    }
  });
})();
