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
 * where its text contains the run. Terms the reader separates with spaces must all occur. Results:
 * the query in the title first, then in the keywords, then in the summary, then in the text; then
 * more occurrences first; then standards, methods, cases, issues, other pages, newer first (the
 * order of the pages' numbers). Facets narrow them by kind, category, unit and year.
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

  // Words people add when they ask (党费怎么交, 支委会多久开一次): when a query finds nothing,
  // it is searched again without them (and without the single characters they leave).
  var ASKING = ["多长时间", "有哪些", "怎么样", "是什么", "哪些", "怎么", "怎样", "如何", "什么", "多久", "几次",
                "一次", "是否", "有没有", "要求", "流程", "程序", "规定", "办法", "需要", "应该", "吗", "呢"];

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
    page: function (n, data) { arrived["p" + n] = data; }
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
          version: m.version, pages: m.pages, firsts: m.chunks, lasts: m.lasts, fields: m.fields,
          facets: m.facets.map(function (f) { return { name: f.name, values: f.values, of: column(f.of, m.pages) }; }),
          tokens: {}, lists: {}
        };
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

  // The chunk whose pairs run from at most `token`; -1 before the first.
  function chunkAt(token) {
    var lo = -1, hi = index.firsts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (index.firsts[mid] <= token) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // The chunk that would hold `token`; -1 if none can (it sorts between two chunks: the index has no such pair).
  function chunkOf(token) {
    var c = chunkAt(token);
    return c >= 0 && token <= index.lasts[c] ? c : -1;
  }

  function chunk(n) {
    return script("c" + n, "search/" + index.version + "/c/" + n + ".js").then(function (tokens) {
      tokens.forEach(function (t) { if (!(t[0] in index.tokens)) index.tokens[t[0]] = t[1]; });
      return tokens;
    });
  }

  // A token's postings: {pages: [numbers], at: [positions per page]}.
  function postings(token) {
    if (index.lists[token]) return index.lists[token];
    var coded = index.tokens[token];
    var list = { pages: [], at: [] };
    if (coded) {
      var v = varints(coded), i = 0, page = -1;
      while (i < v.length) {
        page += v[i];
        var n = v[i + 1], at = new Array(n), p = 0;
        for (var k = 0; k < n; k++) { p += v[i + 2 + k]; at[k] = p; }
        list.pages.push(page); list.at.push(at);
        i += 2 + n;
      }
    }
    index.lists[token] = list;
    return list;
  }

  function find(sorted, value) {
    var lo = 0, hi = sorted.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] === value) return mid;
      if (sorted[mid] < value) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
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

  // The pairs a run needs: enough to cover every character (offsets 0, 2, 4, …, and the last pair).
  function pairsOf(run) {
    if (run.length === 1) return [];
    var out = [];
    for (var o = 0; o < run.length - 1; o += 2) out.push(o);
    if (out[out.length - 1] !== run.length - 2) out.push(run.length - 2);
    return out.map(function (o) { return { offset: o, token: run.substr(o, 2) }; });
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
    return Promise.all(Object.keys(needed).map(function (c) { return chunk(+c); }));
  }

  // Where a run occurs: page -> start positions.
  function occurrences(run) {
    var out = new Map();
    if (run.length === 1) { // the pairs that start with it, and the run ends that are it
      Object.keys(index.tokens).forEach(function (t) {
        if (t[0] !== run && t !== run) return;
        var list = postings(t);
        list.pages.forEach(function (page, i) {
          var at = out.get(page);
          if (!at) out.set(page, at = []);
          Array.prototype.push.apply(at, list.at[i]);
        });
      });
      return out;
    }
    var parts = pairsOf(run).map(function (p) { return { offset: p.offset, list: postings(p.token) }; });
    var rarest = parts.reduce(function (a, b) { return b.list.pages.length < a.list.pages.length ? b : a; });
    rarest.list.pages.forEach(function (page) {
      var at = parts.map(function (p) { var i = find(p.list.pages, page); return i < 0 ? null : p.list.at[i]; });
      if (at.indexOf(null) >= 0) return;
      var starts = at[0].filter(function (p) {
        for (var k = 1; k < parts.length; k++) if (find(at[k], p + parts[k].offset) < 0) return false;
        return true;
      });
      if (starts.length) out.set(page, starts);
    });
    return out;
  }

  // 3 title, 2 keywords, 1 summary, 0 text
  function field(position) {
    var f = index.fields;
    return position < f[1] ? 3 : position < f[2] ? 2 : position < f[3] ? 1 : 0;
  }

  // Every page with every run; best first.
  function match(runs) {
    var scores = null;
    runs.forEach(function (run) {
      var next = new Map();
      occurrences(run).forEach(function (starts, page) {
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
      return y.field - x.field || Math.min(y.count, 3) - Math.min(x.count, 3) || a - b;
    });
    return pages;
  }

  function search(query) {
    var runs = runsOf(query);
    if (!runs.length) return Promise.resolve({ pages: [], runs: runs, query: query });
    return fetchRuns(runs).then(function () {
      var pages = match(runs);
      if (pages.length) return { pages: pages, runs: runs, query: query };
      var plain = withoutAsking(query);
      if (!plain || plain === query) return { pages: [], runs: runs, query: query };
      return search(plain).then(function (s) { s.asked = query; return s; });
    });
  }

  function withoutAsking(query) {
    var q = normalise(query);
    ASKING.forEach(function (w) { q = q.split(w).join(" "); });
    return (q.match(RUN) || []).filter(function (run) { return run.length > 1; }).join(" ");
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
    if (s.asked) {
      meta.appendChild(el("span", "tb-search-note", "（没有记录包含“" + s.asked + "”，以下为包含“" + s.query.split(" ").join("”“") + "”的记录）"));
    }
    more();
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
      items.forEach(function (d) { list.appendChild(item(d, found.runs)); });
      if (shown < results.length) {
        var li = el("li", "md-search-result__item tb-more");
        var b = el("button", "md-button", "显示更多结果（还有 " + (results.length - shown) + " 条）");
        b.type = "button"; b.addEventListener("click", more);
        li.appendChild(b); list.appendChild(li);
      }
    });
  }

  function item(d, runs) {
    var li = el("li", "md-search-result__item");
    var a = el("a", "md-search-result__link"); a.href = new URL(d.url, base).href; a.tabIndex = -1;
    var art = el("article", "md-search-result__article md-typeset");
    var line = [d.kind, d.unit, d.date].filter(Boolean).join(" · ");
    if (line) art.appendChild(el("div", "tb-result-meta", line));
    art.appendChild(marked("h1", d.title, runs));
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
