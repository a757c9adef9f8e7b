/* 党建口袋工具书 — site search with Pagefind, in Material's header.
 *
 * The index lives in <site>/pagefind/ and is fetched in chunks: nothing is loaded until the
 * reader focuses the search box, and then only what the query needs. Results show kind, unit
 * and date; facets narrow them by kind, category, unit and year. Keys: "/", "s" or "f" focus
 * the box, Esc closes it, ↑/↓ move through results, Enter opens the selected one.
 *
 * Opened from disk (file://, the offline bundle of hooks/kb/outputs/offline.py) the browser cannot fetch the
 * index: search then reads javascripts/offline-index.js, which only the bundle has (see offline()).
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

  var FACETS = [["kind", "类型"], ["category", "类别"], ["unit", "单位"], ["year", "年份"]];
  var PAGE = 10;
  var config = JSON.parse(document.getElementById("__config").textContent);
  var base = new URL(config.base.replace(/\/?$/, "/"), location.href);

  var pagefind = null;
  var loading = null;
  var active = {};        // facet -> selected value
  var results = [];       // current result handles
  var shown = 0;
  var generation = 0;     // drops answers to queries that were superseded

  // Chinese queries. The browser's word segmenter (ICU) cuts domain words into characters
  // (党费 → 党/费, 谈心谈话 → 谈/心/谈话), and Pagefind then matches every word that starts with
  // 党. Instead a run of Chinese is handed to Pagefind whole: it matches the indexed words that
  // start with it, or else with its longest prefix that the index has. Words are split only
  // where the reader typed a space. (Pagefind builds its segmenter when it searches, so it is
  // replaced here for Chinese only, and Pagefind is told to search on this page's thread.)
  var NativeSegmenter = Intl.Segmenter;
  if (NativeSegmenter) {
    Intl.Segmenter = function (locale, options) {
      if (options && options.granularity === "word" && /^zh/i.test(String(locale))) {
        return { segment: function (text) {
          return String(text).split(/(\s+)/).filter(Boolean).map(function (s) { return { segment: s }; });
        } };
      }
      return new NativeSegmenter(locale, options);
    };
    Intl.Segmenter.supportedLocalesOf = NativeSegmenter.supportedLocalesOf;
  }

  var OFFLINE = location.protocol === "file:";

  function load() {
    if (!loading && OFFLINE) {
      loading = offline().then(function (pf) { pagefind = pf; return pf; }, function () {
        meta.textContent = "直接打开网页文件时不能搜索。请通过网站服务器访问，或使用离线版（toolbook-offline.zip）。";
        throw new Error("offline index not available");
      });
    }
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", base).href).then(function (pf) {
        return pf.options({
          baseUrl: base.pathname,
          noWorker: true, // search on this thread, so that it uses the segmenter set up above
          excerptLength: 40,
          ranking: { metaWeights: { title: 8 } }
        }).then(function () {
          return pf.filters(); // loads the facet data, so each search reports counts per facet value
        }).then(function () { pagefind = pf; return pf; });
      }).catch(function () {
        meta.textContent = "搜索暂时无法使用：没有找到搜索索引。请联系网站管理员。";
        throw new Error("pagefind not available");
      });
    }
    return loading;
  }

  function open() {
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    load();
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

  function filters() {
    var f = {};
    Object.keys(active).forEach(function (k) { f[k] = active[k]; });
    return f;
  }

  function run() {
    var query = input.value.trim();
    var mine = ++generation;
    if (!query) {
      results = []; shown = 0; list.textContent = ""; facetBox.hidden = true;
      meta.textContent = "输入关键词开始搜索，如：支委会、党费、发展对象";
      return;
    }
    meta.textContent = "正在搜索……";
    var pieces = query.split(/\s+/).join(" ");
    var pf;
    load().then(function (loaded) {
      pf = loaded;
      return pf.debouncedSearch(pieces, { filters: filters() }, 120);
    }).then(function (search) {
      return search && mine === generation ? widen(pf, search, query) : null;
    }).then(function (search) {
      if (!search || mine !== generation) return;
      renderFacets(search.filters);
      if (!search.results.length) { results = []; shown = 0; list.textContent = ""; empty(query); return; }
      return rank(pf, search, query, pieces).then(function (ordered) {
        if (mine !== generation) return;
        results = ordered; shown = 0; list.textContent = "";
        meta.textContent = "共找到 " + results.length + " 条结果";
        more();
      });
    }).catch(function () { /* message already shown by load() */ });
  }

  // Where the indexer cut a phrase into smaller words (三会一课 → 三/会/一课), the whole phrase
  // finds few pages. Then the query is searched again as the browser segments it, and the pages
  // that have those pieces side by side are added after the first results.
  var FEW = 5;

  function widen(pf, search, query) {
    if (search.results.length >= FEW) return search;
    return sideBySide(pf, query).then(function (hits) {
      var seen = new Set(search.results.map(function (r) { return r.id; }));
      search.results = search.results.concat(hits.filter(function (r) { return !seen.has(r.id); }));
      search.widened = true;
      return search;
    });
  }

  // The pages that have the query's pieces, as the browser segments it, side by side.
  function sideBySide(pf, query) {
    if (OFFLINE || !NativeSegmenter || !/[\u3400-\u9fff]/.test(query)) return Promise.resolve([]);
    var words = [];
    for (var part of new NativeSegmenter("zh", { granularity: "word" }).segment(query)) {
      if (part.isWordLike) words.push(part.segment);
    }
    if (words.length < 2) return Promise.resolve([]);
    var split = words.join(" ");
    return pf.search(split, { filters: filters() }).then(function (more) {
      return phrasesFirst(more.results, split).filter(function (r) { return r.phrase; });
    });
  }

  // A query of several words (党员 活动室) matches pages that have them in any order and place;
  // pages that have them side by side, as typed, come first. Pagefind reports the positions of
  // matched words with each result, so this costs no download.
  function phrasesFirst(found, pieces) {
    var n = pieces.split(" ").length;
    if (n < 2) return found;
    var together = [], apart = [];
    found.forEach(function (r) {
      var at = new Set(r.words || []);
      var hit = (r.words || []).some(function (w) {
        for (var k = 1; k < n; k++) if (!at.has(w + k)) return false;
        return true;
      });
      r.phrase = hit;
      (hit ? together : apart).push(r);
    });
    return together.concat(apart);
  }

  // Among the best-ranked results, those that contain the query as typed come first: first those
  // whose title has it (typing 党费 puts the 党费 standard on top), then those whose text has it
  // (党员活动室 typed as one word, where the index only knows 党员 and 活动室). The data loaded
  // here is reused for display.
  var RERANK = 10; // the first page of results: their data is fetched for display anyway

  function exactFirst(found, query) {
    var typed = query.replace(/\s+/g, "");
    var head = found.slice(0, RERANK);
    return Promise.all(head.map(function (r) { return r.data(); })).then(function (data) {
      var inTitle = [], inText = [], rest = [];
      head.forEach(function (r, i) {
        r.loaded = data[i]; // shown from this, not fetched again
        var title = (data[i].meta && data[i].meta.title) || "";
        if (title.indexOf(typed) >= 0) inTitle.push(r);
        else if (typed.length > 1 && (data[i].content || "").indexOf(typed) >= 0) inText.push(r);
        else rest.push(r);
      });
      var ordered = inTitle.concat(inText, rest, found.slice(RERANK));
      ordered.exact = inTitle.length + inText.length;
      return ordered;
    });
  }

  // When none of the best results has the query as typed (the index cut 党员活动室 into 党员 and
  // 活动室, so the whole word matched every page with a word starting 党员), the pages that have
  // its pieces side by side go first.
  function rank(pf, search, query, pieces) {
    return exactFirst(phrasesFirst(search.results, pieces), query).then(function (ordered) {
      if (ordered.exact || search.widened || pieces.indexOf(" ") >= 0) return ordered;
      return sideBySide(pf, query).then(function (hits) {
        if (!hits.length) return ordered;
        var seen = new Set(hits.map(function (r) { return r.id; }));
        return exactFirst(hits.concat(ordered.filter(function (r) { return !seen.has(r.id); })), query);
      });
    });
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
    shown += batch.length;
    var old = list.querySelector(".tb-more"); if (old) old.remove();
    Promise.all(batch.map(function (r) { return r.loaded || r.data(); })).then(function (items) {
      items.forEach(function (d) { list.appendChild(item(d)); });
      if (shown < results.length) {
        var li = el("li", "md-search-result__item tb-more");
        var b = el("button", "md-button", "显示更多结果（还有 " + (results.length - shown) + " 条）");
        b.type = "button"; b.addEventListener("click", more);
        li.appendChild(b); list.appendChild(li);
      }
    });
  }

  function item(d) {
    var li = el("li", "md-search-result__item");
    var a = el("a", "md-search-result__link"); a.href = d.url; a.tabIndex = -1;
    var art = el("article", "md-search-result__article md-typeset");
    var m = d.meta || {};
    var line = [m.kind, m.unit, m.date].filter(Boolean).join(" · ");
    if (line) art.appendChild(el("div", "tb-result-meta", line));
    art.appendChild(el("h1", null, m.title || d.url));
    art.appendChild(excerpt(d.excerpt));
    a.appendChild(art); li.appendChild(a);
    return li;
  }

  // Offline search: the same interface as the part of Pagefind used above, over the pages in
  // javascripts/offline-index.js (loaded with a script tag: file:// allows that, not fetch).
  // Every word of the query must occur in the page (plain substring matching, which suits
  // Chinese); pages with the words in their title come first, then by how often they occur.
  function offline() {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = new URL("javascripts/offline-index.js", base).href;
      script.onload = function () { window.__tbOfflineIndex ? resolve(offlineEngine(window.__tbOfflineIndex)) : reject(); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function offlineEngine(pages) {
    pages.forEach(function (p) { p.lower = (p.title + "\n" + p.text).toLowerCase(); });

    function count(hay, word) {
      var n = 0, at = hay.indexOf(word);
      while (at >= 0) { n++; at = hay.indexOf(word, at + word.length); }
      return n;
    }

    function escape(s) {
      return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
    }

    function snippet(text, words) {
      var lower = text.toLowerCase(), at = -1;
      words.forEach(function (w) { var i = lower.indexOf(w); if (i >= 0 && (at < 0 || i < at)) at = i; });
      var start = Math.max(0, at - 20), piece = text.slice(start, start + 80);
      var out = escape(piece), marks = words.map(escape).filter(Boolean);
      if (marks.length) {
        var pattern = new RegExp(marks.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|"), "gi");
        out = out.replace(pattern, function (m) { return "<mark>" + m + "</mark>"; });
      }
      return (start > 0 ? "…" : "") + out + (start + 80 < text.length ? "…" : "");
    }

    function search(query, options) {
      var words = query.toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = (options && options.filters) || {};
      var counts = {};
      var found = [];
      pages.forEach(function (p, i) {
        if (!words.every(function (w) { return p.lower.indexOf(w) >= 0; })) return;
        var facets = p.facets || {};
        var fits = function (except) {
          return Object.keys(wanted).every(function (k) { return k === except || facets[k] === wanted[k]; });
        };
        Object.keys(facets).forEach(function (k) {  // counts per value, as Pagefind reports them
          if (!facets[k] || !fits(k)) return;
          counts[k] = counts[k] || {};
          counts[k][facets[k]] = (counts[k][facets[k]] || 0) + 1;
        });
        if (!fits(null)) return;
        var title = p.title.toLowerCase();
        found.push({ page: p, id: i,
          inTitle: words.filter(function (w) { return title.indexOf(w) >= 0; }).length,
          hits: words.reduce(function (n, w) { return n + count(p.lower, w); }, 0) });
      });
      found.sort(function (a, b) { return b.inTitle - a.inTitle || b.hits - a.hits || a.id - b.id; });
      return Promise.resolve({
        filters: counts,
        results: found.map(function (f) {
          var p = f.page;
          var d = { url: new URL(p.url, base).href, excerpt: snippet(p.text, words),
                    meta: { title: p.title, kind: p.kind, unit: p.unit, date: p.date } };
          return { id: f.id, data: function () { return Promise.resolve(d); } };
        })
      });
    }

    return {
      search: search,
      debouncedSearch: function (query, options, wait) {
        return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () { return search(query, options); });
      },
      filters: function () { return Promise.resolve({}); }
    };
  }

  // Pagefind escapes page text and adds only <mark>; still, only text and <mark> are kept, so
  // nothing from the data can become an element here (the excerpt is parsed inertly).
  function excerpt(markup) {
    var p = el("p");
    var body = new DOMParser().parseFromString(String(markup || ""), "text/html").body;
    body.childNodes.forEach(function (n) {
      p.appendChild(n.nodeName === "MARK" ? el("mark", null, n.textContent) : document.createTextNode(n.textContent));
    });
    return p;
  }

  function renderFacets(counts) {
    facetBox.textContent = "";
    var any = false;
    FACETS.forEach(function (f) {
      var values = counts && counts[f[0]] ? counts[f[0]] : {};
      var names = Object.keys(values).filter(function (v) { return values[v] > 0 || active[f[0]] === v; });
      if (!names.length) return;
      names.sort(function (a, b) { return f[0] === "year" ? (a < b ? 1 : -1) : values[b] - values[a]; });
      any = true;
      var row = el("div", "tb-facet");
      row.appendChild(el("span", "tb-facet__name", f[1]));
      names.slice(0, 12).forEach(function (v) {
        var b = el("button", "tb-chip" + (active[f[0]] === v ? " tb-chip--on" : ""), v + " " + values[v]);
        b.type = "button";
        b.setAttribute("aria-pressed", active[f[0]] === v ? "true" : "false");
        b.addEventListener("click", function () {
          if (active[f[0]] === v) delete active[f[0]]; else active[f[0]] = v;
          run(); input.focus();
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
