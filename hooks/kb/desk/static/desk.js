/* 编辑台（editing desk）: the list of records and one record's form, over the preview server's /_desk/api/.

   The form is made by json-editor from the kind's JSON schema (data/schema/, $refs inlined by the server);
   Markdown fields get Toast UI Editor (WYSIWYG, pasted Word/WPS text is cleaned to headings, lists, bold, tables
   and links). What is sent on save: every field the editor did not touch keeps the value read from the file
   (json-editor's own defaults never reach the file), so the server's round-trip editor (kb/desk/yamledit.py)
   rewrites only what changed. Problems come from the server (the same words as `check --drafts`) and are shown
   at their fields. An unsaved edit is kept in localStorage per record until it is saved or discarded.

   Fields that list other records by id ("x-refers" in their schema) get a picker of their own (RefsEditor, a
   json-editor editor): the records' titles, searched, added, moved and removed with buttons; the value is the
   list of ids, so the save and merge above treat it as any list. The month's work is a row of buttons on the
   list, each opening a modal <dialog>: 新建本期, 导入 Word (one upload per file, each file's result shown), 新建记录,
   发布 (started, then its progress polled); 定稿 is on a draft's form, 上传配图 under a case's pictures. The
   server's routes and limits (GET setup) are described in kb/desk/http.py.

   Plain script for Chromium/Edge 109: no modules, no newer syntax than ES2020. */
(function () {
  "use strict";

  var TOKEN = (document.querySelector('meta[name="tb-desk-token"]') || {}).content || "";
  var API = "api/";
  var STORE = "tb-desk-unsaved:";
  var STATUS_CLASS = { "草稿": "draft", "待定稿": "ready", "已发布": "published", "定时发布": "scheduled" };
  // text fields shown as several lines (others are one line: titles, names, short items)
  var LONG_TEXT = { summary: 1, requirement: 1, detail: 1 };
  var LONG_ITEMS = { highlights: 1, results: 1, checklist: 1, evidence: 1 };
  // the field that is the record's file name: not edited in the form
  var FIXED = { id: 1, month: 1 };

  var $ = function (id) { return document.getElementById(id); };
  var state = { list: null, kinds: {}, record: null, busy: false, filtersReady: false };

  // -- small helpers ---------------------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

  function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }

  function equal(a, b) {
    if (a === b) return true;
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
      return true;
    }
    if (isObject(a) && isObject(b)) {
      var ka = Object.keys(a).filter(function (k) { return a[k] !== undefined; });
      var kb = Object.keys(b).filter(function (k) { return b[k] !== undefined; });
      if (ka.length !== kb.length) return false;
      for (var j = 0; j < ka.length; j++) if (!equal(a[ka[j]], b[ka[j]])) return false;
      return true;
    }
    return false;
  }

  function timeText(ms) {
    var d = new Date(ms);
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  // `body`: a value sent as JSON, or a File (a Blob) sent as it is (an upload)
  function api(method, path, body) {
    var init = { method: method, headers: { "X-Desk-Token": TOKEN }, cache: "no-store", credentials: "same-origin" };
    if (body instanceof Blob) {
      init.headers["Content-Type"] = "application/octet-stream";
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (reply) {
      return reply.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (data === null) data = { error: "预览服务器的回答无法读取（HTTP " + reply.status + "）。" };
        return { status: reply.status, data: data };
      });
    }, function () {
      return { status: 0, data: { error: "连接不上预览服务器：请确认 toolbook.py serve 还在运行，然后刷新本页。" } };
    });
  }

  function fatal(message) {
    var box = $("tb-fatal");
    box.textContent = message;
    box.hidden = false;
    $("tb-loading").hidden = true;
  }

  // -- routing: #/ the list, #/<kind>/<id> a record ------------------------------------------------------------------

  function route() {
    $("tb-fatal").hidden = true;
    closeDialogs();
    var m = /^#\/([a-z]+)\/([a-z0-9-]+)$/.exec(location.hash);
    if (m) openRecord(m[1], m[2]);
    else showList();
  }

  function show(view) {
    $("tb-loading").hidden = true;
    $("tb-list").hidden = view !== "list";
    $("tb-record").hidden = view !== "record";
  }

  // -- the list ------------------------------------------------------------------------------------------------------

  function loadList() {
    return api("GET", "records").then(function (r) {
      if (r.status !== 200) throw new Error(r.data.error || ("HTTP " + r.status));
      state.list = r.data;
      state.kinds = {};
      r.data.kinds.forEach(function (k) { state.kinds[k.kind] = k.label; });
      return r.data;
    });
  }

  function showList() {
    leaveRecord();
    $("tb-made").hidden = true;
    document.title = "编辑台 · 党建口袋工具书";
    $("tb-loading").hidden = !!state.list;
    loadList().then(function (data) {
      fillFilters(data);
      renderElsewhere(data.problems_elsewhere || []);
      renderRows();
      show("list");
      var back = state.lastOpened && document.querySelector('#tb-rows a[href="#/' + state.lastOpened + '"]');
      if (back) back.focus();
    }, function (e) { fatal("读不到记录列表：" + e.message); });
  }

  function fillSelect(select, values, labels) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    values.forEach(function (v, i) { select.appendChild(el("option", { value: v, text: labels ? labels[i] : v })); });
    if (values.indexOf(keep) >= 0) select.value = keep;
  }

  function fillFilters(data) {
    fillSelect($("tb-kind"), data.kinds.map(function (k) { return k.kind; }), data.kinds.map(function (k) { return k.label; }));
    fillSelect($("tb-issue"), data.issues);
    fillSelect($("tb-unit"), data.units);
    var statuses = ["草稿", "待定稿", "已发布", "定时发布"];
    data.records.forEach(function (r) { if (statuses.indexOf(r.status) < 0) statuses.push(r.status); });
    fillSelect($("tb-status"), statuses);
    if (!state.filtersReady) {
      state.filtersReady = true;
      ["tb-q", "tb-kind", "tb-issue", "tb-unit", "tb-status", "tb-only-problems"].forEach(function (id) {
        $(id).addEventListener(id === "tb-q" ? "input" : "change", renderRows);
      });
      $("tb-filters").addEventListener("submit", function (e) { e.preventDefault(); });
    }
  }

  function renderElsewhere(problems) {
    var list = $("tb-elsewhere-list");
    clear(list);
    problems.forEach(function (p) { list.appendChild(el("li", { text: p })); });
    $("tb-elsewhere").hidden = problems.length === 0;
  }

  function matches(r) {
    var kind = $("tb-kind").value, issue = $("tb-issue").value, unit = $("tb-unit").value, status = $("tb-status").value;
    if (kind && r.kind !== kind) return false;
    if (issue && r.issue !== issue && !(r.kind === "issue" && r.id === issue)) return false;
    if (unit && r.unit !== unit) return false;
    if (status && r.status !== status) return false;
    if ($("tb-only-problems").checked && !r.problems) return false;
    var words = $("tb-q").value.toLowerCase().split(/\s+/).filter(Boolean);
    var hay = [r.title, r.id, r.unit, r.kind_label, r.path, r.status, r.date, r.issue, r.note].join(" ").toLowerCase();
    return words.every(function (w) { return hay.indexOf(w) >= 0; });
  }

  function renderRows() {
    var body = $("tb-rows");
    clear(body);
    var rows = state.list.records.filter(matches);
    rows.forEach(function (r) {
      var unsaved = hasUnsaved(r.kind, r.id);
      var title = el("td", { "data-label": "标题", className: "tb-title-cell" }, [
        el("a", { href: "#/" + r.kind + "/" + r.id, text: r.title }),
        el("span", { className: "tb-id", text: r.path }),
        unsaved ? el("span", { className: "tb-badge tb-badge-unsaved", text: "有未保存的修改" }) : null
      ]);
      var status = el("td", { "data-label": "状态" }, [
        el("span", { className: "tb-status tb-status-" + (STATUS_CLASS[r.status] || "other"), text: r.status }),
        r.note ? el("span", { className: "tb-note", text: r.note }) : null
      ]);
      var problems = el("td", { "data-label": "问题" }, [r.problems
        ? el("span", { className: "tb-badge tb-badge-problem", text: "⚠ " + r.problems + " 个问题" })
        : el("span", { className: "tb-muted", text: "无" })]);
      body.appendChild(el("tr", { className: r.problems ? "tb-has-problems" : null }, [
        el("td", { "data-label": "类型", text: r.kind_label }), title,
        el("td", { "data-label": "单位", text: r.unit || "—" }),
        el("td", { "data-label": "日期", text: r.date || "—" }), status, problems
      ]));
    });
    var total = state.list.records.length;
    var bad = state.list.records.filter(function (r) { return r.problems; }).length;
    $("tb-count").textContent = (rows.length === total ? "共 " + total + " 条记录" : "显示 " + rows.length + " 条，共 " + total + " 条")
      + (bad ? "；其中 " + bad + " 条有问题" : "") + "。";
  }

  // -- unsaved edits, kept in this browser ---------------------------------------------------------------------------

  function storeKey(kind, id) { return STORE + kind + "/" + id; }

  function hasUnsaved(kind, id) {
    try { return !!localStorage.getItem(storeKey(kind, id)); } catch (e) { return false; }
  }

  function readUnsaved(kind, id) {
    try {
      var v = JSON.parse(localStorage.getItem(storeKey(kind, id)) || "null");
      return v && isObject(v.form) && typeof v.version === "string" ? v : null;
    } catch (e) { return null; }
  }

  function keepUnsaved(rec) {
    try {
      localStorage.setItem(storeKey(rec.kind, rec.id), JSON.stringify({ form: rec.editor.getValue(), version: rec.version, time: Date.now() }));
    } catch (e) { /* storage full or off: the form still holds the edit */ }
  }

  function dropUnsaved(kind, id) {
    try { localStorage.removeItem(storeKey(kind, id)); } catch (e) { /* nothing kept */ }
  }

  // -- the schema as the form shows it -------------------------------------------------------------------------------

  function isMarkdown(s) {
    return s.type === "string" && (s.contentMediaType === "text/markdown" || s.format === "markdown" ||
      /markdown/i.test(s.description || "") || (s.maxLength || 0) >= 100000);
  }

  var DATE_PATTERN = /^\^?(\\d\{4\}|\[0-9\]\{4\})-(\\d\{2\}|\[0-9\]\{2\})-(\\d\{2\}|\[0-9\]\{2\})\$?$/;

  // "month（每月）、quarter（每季度）" in a description: the words shown for each choice
  function enumTitles(s) {
    var found = {};
    var re = /([A-Za-z0-9_-]+)（([^）]+)）/g, m;
    while ((m = re.exec(s.description || ""))) found[m[1]] = m[2];
    return s.enum.map(function (v) { return found[v] ? found[v] + "（" + v + "）" : String(v); });
  }

  // Each value of the record where the schema offers choices: a value not among them stays a choice (the problem
  // is shown), so that opening a record never changes it.
  function addChoices(schema, value) {
    if (!schema || value === undefined) return;
    if (schema.enum && schema.enum.indexOf(value) < 0 && (typeof value === "string" || typeof value === "number")) {
      schema.enum.push(value);
      if (schema.options && schema.options.enum_titles) schema.options.enum_titles.push(String(value) + "（不在可选范围内）");
    }
    if (isObject(value) && schema.properties) {
      Object.keys(value).forEach(function (k) { addChoices(schema.properties[k], value[k]); });
    }
    if (Array.isArray(value) && schema.items) value.forEach(function (v) { addChoices(schema.items, v); });
  }

  // The kind's schema as json-editor gets it. Every field is shown, filled or not (json-editor shows only the
  // required ones and those with a value, and offers no way to add the others once its property menu is off):
  // `required` is taken away and json-editor told that every field is required, so it builds them all, in new
  // rows too; the labels say which ones really are (（必填）). What is sent is worked out from the real schema.
  function prepare(schema, key, parentKey, depth, required) {
    var s = {};
    Object.keys(schema).forEach(function (k) { if (k !== "$schema" && k !== "$id" && k !== "required") s[k] = schema[k]; });
    s.options = Object.assign({}, s.options || {});
    if (s.title === undefined && key) s.title = key;
    if (s.enum && !s.type) {
      s.type = s.enum.every(function (v) { return typeof v === "string"; }) ? "string"
        : s.enum.every(function (v) { return typeof v === "number"; }) ? "number" : undefined;
    }
    if (s.type === "object" && s.properties) {
      var props = {};
      var req = schema.required || [];
      Object.keys(s.properties).forEach(function (k) {
        var must = req.indexOf(k) >= 0;
        props[k] = prepare(s.properties[k], k, key, depth + 1, must);
        if (must) props[k].title = (props[k].title || k) + "（必填）";
      });
      s.properties = props;
      s.options.disable_collapse = true;
      s.options.disable_edit_json = true;
      s.options.disable_properties = true;
    } else if (s.type === "array" && s.items) {
      s.items = prepare(s.items, null, key, depth + 1, true);
      if (!s.items.title || s.items.title === "null") s.items.title = s.title || "项";
      if (s.items.type !== "object" && LONG_ITEMS[key]) {
        s.items.format = "textarea";
      }
      delete s.minItems;  // json-editor would add an empty row to an empty list; the server says what is missing
      delete s.maxItems;
      s.options.disable_collapse = true;
      s.options.disable_array_delete_all_rows = true;
      s.options.disable_array_delete_last_row = true;
      s.options.disable_array_copy = true;
    } else if (s.type === "boolean") {
      s.format = "checkbox";
    } else if ((s.type === "integer" || s.type === "number") && !s.enum) {
      s.format = "number";
      if (!required && s.default === undefined) s.default = null;  // an empty box, not json-editor's 0
    } else if (s.enum) {
      s.enum = s.enum.slice();
      s.options.enum_titles = enumTitles(s);
      if (!required) { s.enum.unshift(""); s.options.enum_titles.unshift("（不填）"); }
    } else if (s.type === "string") {
      if (isMarkdown(s)) {
        s.format = "tb-markdown";
      } else if (s.format !== "date" && DATE_PATTERN.test(s.pattern || "")) {
        s.format = "date";
      } else if (!s.format && LONG_TEXT[key]) {
        s.format = "textarea";
      }
      // the server checks (in Chinese, as `check` does); the browser's own pattern check only adds noise
      delete s.pattern;
      delete s.minLength;
    }
    if (depth === 1 && FIXED[key]) s.readOnly = true;
    return s;
  }

  function formSchema(schema, values) {
    var s = prepare(schema, null, null, 0, true);
    addChoices(s, values);
    return s;
  }

  // -- what is sent: the file's values, with only the fields the editor changed taken from the form ------------------

  function isEmpty(v) {
    return v === undefined || v === null || v === "" || v === false || (Array.isArray(v) && v.length === 0) ||
      (isObject(v) && Object.keys(v).every(function (k) { return isEmpty(v[k]); }));
  }

  // A value as the form has it, without json-editor's defaults: optional fields left empty are left out.
  function prune(value, schema) {
    schema = schema || {};
    if (Array.isArray(value)) return value.map(function (v) { return prune(v, schema.items); });
    if (!isObject(value)) {
      if ((schema.type === "integer" || schema.type === "number") && typeof value === "number" &&
          value === 0 && typeof schema.minimum === "number" && schema.minimum > 0) return undefined;
      return value;
    }
    var out = {};
    var req = schema.required || [];
    Object.keys(value).forEach(function (k) {
      var sub = schema.properties ? schema.properties[k] : undefined;
      var v = prune(value[k], sub);
      if (v === undefined || (isEmpty(v) && req.indexOf(k) < 0)) return;
      out[k] = v;
    });
    return out;
  }

  // original: the file's values; initial: the form's value when it opened; current: the form's value now.
  function merge(original, initial, current, schema) {
    schema = schema || {};
    if (equal(current, initial)) return clone(original);
    if (isObject(current) && isObject(original) && schema.properties) {
      var out = {};
      var req = schema.required || [];
      var keys = Object.keys(original).concat(Object.keys(current).filter(function (k) { return !(k in original); }));
      keys.forEach(function (k) {
        if (!schema.properties[k]) {  // a field the schema does not know (a problem is shown): kept as it is
          if (k in original) out[k] = clone(original[k]);
          return;
        }
        var v = merge(original[k], isObject(initial) ? initial[k] : undefined, current[k], schema.properties[k]);
        if (v === undefined || (isEmpty(v) && req.indexOf(k) < 0 && !(k in original && equal(v, original[k])))) return;
        out[k] = v;
      });
      return out;
    }
    if (Array.isArray(current) && Array.isArray(original)) {
      return current.map(function (item, i) {
        var init = Array.isArray(initial) ? initial[i] : undefined;
        return i < original.length && equal(item, init) ? clone(original[i]) : prune(item, schema.items);
      });
    }
    return prune(current, schema);
  }

  // -- Markdown fields: Toast UI Editor inside json-editor -------------------------------------------------------------

  var BLOCKS = { H1: 1, H2: 1, H3: 1, H4: 1, H5: 1, H6: 1, P: 1, UL: 1, OL: 1, LI: 1, TABLE: 1 };
  var DROP_TAGS = { SCRIPT: 1, STYLE: 1, HEAD: 1, TITLE: 1, META: 1, LINK: 1, IMG: 1, SVG: 1, PICTURE: 1, VIDEO: 1,
    AUDIO: 1, IFRAME: 1, FRAME: 1, OBJECT: 1, EMBED: 1, CANVAS: 1, TEMPLATE: 1, NOSCRIPT: 1, BUTTON: 1, INPUT: 1,
    SELECT: 1, TEXTAREA: 1, MATH: 1, XML: 1 };
  var OPAQUE = { DIV: 1, SECTION: 1, ARTICLE: 1, BLOCKQUOTE: 1, PRE: 1, HEADER: 1, FOOTER: 1, MAIN: 1, ASIDE: 1,
    ADDRESS: 1, FIGURE: 1, FIGCAPTION: 1, DL: 1, DT: 1, DD: 1, CENTER: 1 };
  var ORDERED_MARK = /^\s*(\(?\d+[.)．、]?|\(?[a-zA-Z][.)]|\(?[ivxlcdm]+[.)]|[（(]?[一二三四五六七八九十]+[）)、.．])/i;

  function styleOf(node, name) {
    var m = new RegExp("(?:^|;)\\s*" + name + "\\s*:\\s*([^;]+)", "i").exec(node.getAttribute && node.getAttribute("style") || "");
    return m ? m[1].trim() : "";
  }

  function isBold(node) {
    var w = styleOf(node, "font-weight");
    return w === "bold" || w === "bolder" || parseInt(w, 10) >= 600;
  }

  // Word's (and WPS's) list paragraphs, <p style="mso-list:l0 level2 lfo1"> with the number in a
  // <span style="mso-list:Ignore">, made into real (nested) lists.
  function msoLists(doc) {
    var paras = Array.prototype.filter.call(doc.body.querySelectorAll("p"), function (p) {  // numbered headings stay headings
      var list = styleOf(p, "mso-list");
      return list && !/^(none|skip|ignore)/i.test(list);
    });
    var run = null;  // the list being made: {prev: its last paragraph, stack: [{list, level}]}
    paras.forEach(function (p) {
      var level = parseInt((/level(\d+)/i.exec(styleOf(p, "mso-list")) || [0, 1])[1], 10);
      var marks = Array.prototype.filter.call(p.querySelectorAll("span"), function (span) { return /ignore/i.test(styleOf(span, "mso-list")); });
      var ordered = ORDERED_MARK.test(marks.map(function (m) { return m.textContent; }).join(""));
      marks.forEach(function (m) { m.remove(); });
      if (!run || p.previousElementSibling !== run.prev) run = { stack: [] };
      var stack = run.stack;
      while (stack.length && stack[stack.length - 1].level > level) stack.pop();
      var top = stack[stack.length - 1];
      var li = doc.createElement("li");
      while (p.firstChild) li.appendChild(p.firstChild);
      if (top && top.level === level) {
        top.list.appendChild(li);
      } else {
        var list = doc.createElement(ordered ? "ol" : "ul");
        list.appendChild(li);
        if (top) (top.list.lastElementChild || top.list).appendChild(list);  // nested in the item above
        else p.parentNode.insertBefore(list, p);
        stack.push({ list: list, level: level });
      }
      p.setAttribute("data-tb-gone", "");  // kept until the end: the next paragraph's neighbour
      run.prev = p;
    });
    Array.prototype.forEach.call(doc.body.querySelectorAll("[data-tb-gone]"), function (p) { p.remove(); });
  }

  // One table as Toast UI's tables are: a head row of <th>, body rows of <td>, each cell one line of text with
  // bold and links (Markdown's tables hold no paragraphs or lists).
  function cleanTable(table, doc) {
    var rows = Array.prototype.filter.call(table.querySelectorAll("tr"), function (tr) { return tr.closest("table") === table; });
    if (!rows.length) return null;
    var out = doc.createElement("table");
    var head = doc.createElement("thead"), body = doc.createElement("tbody");
    rows.forEach(function (tr, i) {
      var row = doc.createElement("tr");
      Array.prototype.forEach.call(tr.children, function (cell) {
        if (cell.tagName !== "TD" && cell.tagName !== "TH") return;
        var c = doc.createElement(i === 0 ? "th" : "td");
        inline(cell, c);
        row.appendChild(c);
      });
      (i === 0 ? head : body).appendChild(row);
    });
    out.appendChild(head);
    if (body.firstChild) out.appendChild(body);
    return out;
  }

  // a cell's content: text, bold and links; its paragraphs and list items joined by a space
  function inline(node, into) {
    Array.prototype.forEach.call(node.childNodes, function (child) {
      if (child.nodeType === 3) { into.appendChild(child.ownerDocument.createTextNode(child.nodeValue.replace(/\s+/g, " "))); return; }
      if (child.nodeType !== 1 || DROP_TAGS[child.tagName]) return;
      var tag = child.tagName;
      if ((BLOCKS[tag] || OPAQUE[tag] || tag === "BR") && into.textContent.trim() && !/\s$/.test(into.textContent)) {
        into.appendChild(child.ownerDocument.createTextNode(" "));
      }
      if (tag === "STRONG" || tag === "B" || isBold(child)) {
        var strong = child.ownerDocument.createElement("strong");
        inline(child, strong);
        into.appendChild(strong);
      } else if (tag === "A" && /^(https?:|mailto:)/i.test((child.getAttribute("href") || "").trim())) {
        var a = child.ownerDocument.createElement("a");
        a.setAttribute("href", child.getAttribute("href").trim());
        inline(child, a);
        into.appendChild(a);
      } else {
        inline(child, into);
      }
    });
  }

  // Pasted HTML (Word, WPS, web pages) reduced to what the site's Markdown keeps: headings, paragraphs, lists,
  // bold, tables and http(s)/mailto links; nothing is loaded (pictures are dropped before anything parses them
  // into the page). Toast UI's own step runs after this one.
  function cleanPasted(html) {
    var start = html.indexOf("<!--StartFragment-->"), end = html.lastIndexOf("<!--EndFragment-->");
    if (start >= 0 && end > start) html = html.slice(start + 20, end);
    var doc = new DOMParser().parseFromString(html, "text/html");
    Array.prototype.forEach.call(doc.querySelectorAll(Object.keys(DROP_TAGS).join(",")), function (n) { n.remove(); });
    msoLists(doc);

    function walk(node, into) {
      Array.prototype.forEach.call(node.childNodes, function (child) {
        if (child.nodeType === 3) { into.appendChild(doc.createTextNode(child.nodeValue)); return; }
        if (child.nodeType !== 1 || DROP_TAGS[child.tagName]) return;
        var tag = child.tagName, copy;
        if (tag === "TABLE") {
          copy = cleanTable(child, doc);
          if (copy) into.appendChild(copy);
        } else if (BLOCKS[tag] || tag === "BR") {
          copy = doc.createElement(tag);
          if (tag === "OL" && child.getAttribute("start")) copy.setAttribute("start", child.getAttribute("start"));
          walk(child, copy);
          if ((tag === "UL" || tag === "OL") && !copy.firstChild) return;
          into.appendChild(isBold(child) && /^(P|LI)$/.test(tag) ? wrapStrong(copy) : copy);
        } else if (OPAQUE[tag]) {
          copy = doc.createElement("p");
          walk(child, copy);
          into.appendChild(copy);
        } else if (tag === "STRONG" || tag === "B" || isBold(child)) {
          copy = doc.createElement("strong");
          walk(child, copy);
          into.appendChild(copy);
        } else if (tag === "A" && /^(https?:|mailto:)/i.test((child.getAttribute("href") || "").trim())) {
          copy = doc.createElement("a");
          copy.setAttribute("href", child.getAttribute("href").trim());
          walk(child, copy);
          into.appendChild(copy);
        } else {
          walk(child, into);  // span, font, em, i, u, o:p, a link elsewhere, …: the text stays, the look goes
        }
      });
    }

    function wrapStrong(block) {
      var strong = doc.createElement("strong");
      while (block.firstChild) strong.appendChild(block.firstChild);
      block.appendChild(strong);
      return block;
    }

    var holder = doc.createElement("div");
    walk(doc.body, holder);
    return holder.innerHTML;
  }

  // Toast UI writes the paragraphs made with Enter one per line, which Markdown (the site's too) joins into one
  // paragraph: the site's Markdown gets a blank line between them, as the editor saw them. Lists, tables, quotes,
  // headings and fenced code are left as Toast UI writes them.
  var BLOCK_LINE = /^(\s|#|[-*+] |\d+[.)] |\||>|<)/;
  function siteMarkdown(md, given) {
    var out = [], fenced = false;
    md.split("\n").forEach(function (line) {
      if (/^(```|~~~)/.test(line)) fenced = !fenced;
      var prev = out.length ? out[out.length - 1] : "";
      if (!fenced && line !== "" && prev !== "" && !BLOCK_LINE.test(line) && !BLOCK_LINE.test(prev) && !/^(```|~~~)/.test(prev)) out.push("");
      out.push(line);
    });
    var text = out.join("\n").replace(/\n+$/, "");
    return /\n$/.test(given || "") ? text + "\n" : text;  // the end of the text as the file had it
  }

  function defineMarkdownEditor() {
    var Base = JSONEditor.defaults.editors.string;

    class MarkdownEditor extends Base {
      build() {
        this.options.format = "textarea";
        super.build();
        this.input.classList.add("tb-md-source");
      }

      afterInputReady() {
        if (this.tui || !window.toastui || !this.input.parentNode) { super.afterInputReady(); return; }
        var self = this;
        var holder = el("div", { className: "tb-md" });
        this.input.parentNode.insertBefore(holder, this.input.nextSibling);
        this.input.hidden = true;
        this.given = this.input.value;
        this.tui = new window.toastui.Editor({
          el: holder,
          initialValue: this.given,
          initialEditType: "wysiwyg",
          previewStyle: "tab",
          height: "auto",
          minHeight: "200px",
          language: "zh-CN",
          usageStatistics: false,
          autofocus: false,
          hideModeSwitch: false,
          toolbarItems: [["heading", "bold"], ["ul", "ol", "indent", "outdent"], ["table", "link"]],
          // lists as editors write them ("- ", not Toast UI's "* ")
          customMarkdownRenderer: {
            bulletList: function (nodeInfo, context) {
              var made = context.origin();
              made.delim = "-";
              return made;
            }
          }
        });
        this.seen = this.markdown();
        this.tui.on("change", function () { self.fromToast(); });
        // pasted HTML: only what the site keeps (cleanPasted), then Toast UI's own step (line breaks, table rows)
        var view = this.tui.wwEditor && this.tui.wwEditor.view;
        if (view && view.setProps) {
          var theirs = view.props.transformPastedHTML;
          view.setProps({ transformPastedHTML: function (html) { var mine = cleanPasted(html); return theirs ? theirs(mine) : mine; } });
        }
        this.labelEditing(holder);
        this.keyboardModes(holder);
        // Tab leaves the text (ProseMirror would insert spaces: a keyboard could never get out); lists are
        // indented with the toolbar's buttons
        holder.addEventListener("keydown", function (e) {
          if (e.key === "Tab" && !e.ctrlKey && !e.altKey && !e.metaKey && e.target.isContentEditable) e.stopPropagation();
        }, true);
        if (this.always_disabled) this.disable(true);
        this.theme.afterInputReady(this.input);
      }

      labelEditing(holder) {
        var self = this;
        var label = this.label;
        if (label) {
          if (!label.id) label.id = "tb-l-" + this.formname.replace(/[^a-zA-Z0-9_-]+/g, "-");
          label.removeAttribute("for");
          label.addEventListener("click", function () { self.focus(); });
        }
        // the toolbar's "more" button (shown when the toolbar does not fit) has no name of its own, and Toast UI
        // draws its toolbar again when the width changes
        function nameMore() {
          Array.prototype.forEach.call(holder.querySelectorAll("button.more:not([aria-label])"), function (b) {
            b.setAttribute("aria-label", "更多工具");
          });
        }
        nameMore();
        new MutationObserver(nameMore).observe(holder.querySelector(".toastui-editor-toolbar") || holder,
          { subtree: true, childList: true, attributes: true, attributeFilter: ["class", "aria-label"] });
        var describedBy = this.description ? this.description.id : "";
        Array.prototype.forEach.call(holder.querySelectorAll("[contenteditable]"), function (area) {
          area.setAttribute("role", "textbox");
          area.setAttribute("aria-multiline", "true");
          if (label) area.setAttribute("aria-labelledby", label.id);
          if (describedBy) area.setAttribute("aria-describedby", describedBy);
        });
      }

      markdown() {
        return siteMarkdown(this.tui.getMarkdown(), this.given);
      }

      // Toast UI's "Markdown / 所见即所得" switch is two <div>s: made buttons a keyboard reaches
      keyboardModes(holder) {
        var tui = this.tui;
        var items = holder.querySelectorAll(".toastui-editor-mode-switch .tab-item");
        function mark() {
          Array.prototype.forEach.call(items, function (item) {
            item.setAttribute("aria-pressed", item.classList.contains("active") ? "true" : "false");
          });
        }
        Array.prototype.forEach.call(items, function (item) {
          item.setAttribute("role", "button");
          item.setAttribute("tabindex", "0");
          item.setAttribute("title", item.textContent === "Markdown" ? "切换到 Markdown 源文本" : "切换到所见即所得");
          item.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); item.click(); }
          });
        });
        mark();
        tui.on("changeMode", function () { setTimeout(mark, 0); });
      }

      fromToast() {
        if (this.muted) return;
        var md = this.markdown();
        var value = md === this.seen ? this.given : md;  // not changed: the text as the file has it
        if (value === this.input.value) return;
        this.input.value = value;
        this.refreshValue();
        this.is_dirty = true;
        this.onChange(true);
      }

      setValue(value, initial, fromTemplate) {
        var res = super.setValue(value, initial, fromTemplate);
        if (this.tui && this.input.value !== this.shown()) {
          this.muted = true;
          try {
            this.given = this.input.value;
            this.tui.setMarkdown(this.given, false);
            this.seen = this.markdown();
          } finally { this.muted = false; }
        }
        return res;
      }

      shown() {
        var md = this.markdown();
        return md === this.seen ? this.given : md;
      }

      focus() {
        if (this.tui) this.tui.focus();
        else this.input.focus();
      }

      enable() {
        super.enable();
        if (this.tui && !this.always_disabled) setEditable(this, true);
      }

      disable(always) {
        super.disable(always);
        if (this.tui) setEditable(this, false);
      }

      destroy() {
        if (this.tui) { this.tui.destroy(); this.tui = null; }
        super.destroy();
      }
    }

    function setEditable(ed, on) {
      var holder = ed.input && ed.input.parentNode && ed.input.parentNode.querySelector(".tb-md");
      if (!holder) return;
      Array.prototype.forEach.call(holder.querySelectorAll("[contenteditable]"), function (a) {
        a.setAttribute("contenteditable", on ? "true" : "false");
      });
    }

    JSONEditor.defaults.editors.tbmarkdown = MarkdownEditor;
    JSONEditor.defaults.resolvers.unshift(function (schema) {
      if (schema.type === "string" && schema.format === "tb-markdown") return "tbmarkdown";
      return undefined;
    });
  }

  function defineLanguage() {
    JSONEditor.defaults.languages.zh = {
      error_notset: "必须填写", error_notempty: "不能为空", error_enum: "须是可选的值之一",
      error_type: "类型应为 {{0}}", error_maxLength: "最多 {{0}} 个字", error_minLength: "至少 {{0}} 个字",
      error_pattern: "格式不对", error_minItems: "至少 {{0}} 项", error_maxItems: "最多 {{0}} 项",
      error_uniqueItems: "各项不能重复", error_required: "缺少必填字段 {{0}}", error_date: "日期格式应为 {{0}}",
      error_minimum_incl: "不能小于 {{0}}", error_maximum_incl: "不能大于 {{0}}",
      button_delete_all: "全部", button_delete_all_title: "全部删除",
      button_delete_last: "最后一项{{0}}", button_delete_last_title: "删除最后一项{{0}}",
      button_add_row_title: "添加{{0}}", button_move_down_title: "下移", button_move_up_title: "上移",
      button_object_properties: "字段", button_delete_row_title: "删除{{0}}", button_delete_row_title_short: "删除",
      button_copy_row_title_short: "复制", button_collapse: "收起", button_expand: "展开",
      default_array_item_title: "项", button_delete_node_warning: "确定删除这一项吗？（保存之前都可以在本页放弃修改）"
    };
    JSONEditor.defaults.language = "zh";
  }

  // -- one record ----------------------------------------------------------------------------------------------------

  function leaveRecord() {
    var rec = state.record;
    if (!rec) return;
    if (rec.editor) {
      if (rec.dirty) keepUnsaved(rec);
      try { rec.editor.destroy(); } catch (e) { /* already gone */ }
    }
    clearTimeout(rec.keepTimer);
    state.record = null;
    clear($("tb-form"));
  }

  function openRecord(kind, id, note) {
    leaveRecord();
    $("tb-loading").hidden = false;
    var labels = state.list ? Promise.resolve() : loadList().catch(function () { /* labels are optional */ });
    return labels.then(function () { return api("GET", "records/" + kind + "/" + id); }).then(function (r) {
      if (r.status !== 200) {
        show("list");
        $("tb-list").hidden = true;
        fatal(r.data.error || ("打不开这条记录（HTTP " + r.status + "）。"));
        return;
      }
      showRecord(r.data, note);
    });
  }

  function rowOf(kind, id) {
    return state.list ? state.list.records.filter(function (r) { return r.kind === kind && r.id === id; })[0] : null;
  }

  function recordTitle(values, fallback) {
    var v = values || {};
    var t = [v.title, v.name, v.month].filter(function (x) { return typeof x === "string" && x.trim(); })[0];
    return t || fallback;
  }

  function showRecord(data, note) {
    state.lastOpened = data.kind + "/" + data.id;
    var rec = {
      kind: data.kind, id: data.id, path: data.path, version: data.version, schema: data.schema,
      original: data.values, problems: data.problems || [], editor: null, initial: null, dirty: false, dropped: []
    };
    state.record = rec;
    var label = state.kinds[data.kind] || data.kind;
    $("tb-record-title").textContent = recordTitle(data.values, data.id);
    document.title = recordTitle(data.values, data.id) + " · 编辑台";
    var row = rowOf(data.kind, data.id);
    $("tb-record-meta").textContent = label + " · 文件 data/" + data.path + (row ? " · " + row.status : "");
    $("tb-view").setAttribute("href", "/" + data.path.split("/")[0] + "/" + data.id + "/");
    $("tb-conflict").hidden = true;
    $("tb-restored").hidden = true;
    $("tb-confirm-undo").hidden = true;
    say(note || "", note ? "ok" : "");
    show("record");
    if (data.values === null) {
      $("tb-raw").hidden = false;
      $("tb-raw-text").textContent = data.text || "";
      $("tb-save").disabled = true;
      $("tb-finalize").hidden = true;
      showProblems(rec.problems, "这个文件有 " + rec.problems.length + " 个问题，无法按表单打开");
      return;
    }
    $("tb-raw").hidden = true;
    $("tb-save").disabled = false;
    $("tb-finalize").hidden = !canFinalize(data, row);
    buildForm(rec);
    if (!note) $("tb-record-title").focus({ preventScroll: true });
  }

  function buildForm(rec) {
    var holder = $("tb-form");
    clear(holder);
    var editor = new JSONEditor(holder, {
      schema: formSchema(rec.schema, rec.original),
      startval: clone(rec.original),
      theme: "barebones",
      iconlib: null,
      show_errors: "never",
      disable_edit_json: true,
      disable_properties: true,
      disable_collapse: true,
      disable_array_delete_all_rows: true,
      disable_array_delete_last_row: true,
      disable_array_copy: true,
      prompt_before_delete: true,
      no_additional_properties: true,
      required_by_default: true,  // every field shown (see prepare)
      use_default_values: true,
      remove_button_labels: false,
      array_controls_top: false,
      compact: false
    });
    rec.editor = editor;
    editor.on("ready", function () {
      if (state.record !== rec) return;
      // Toast UI comes up one frame later (json-editor's afterInputReady): take the form's value after it
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          if (state.record !== rec) return;
          rec.initial = editor.getValue();
          rec.ready = true;
          tidyForm();
          addImageUpload(rec);
          fitTextareas(holder);
          var kept = readUnsaved(rec.kind, rec.id);
          if (kept && !equal(kept.form, rec.initial)) restore(rec, kept);
          showProblems(rec.problems);
          holder.setAttribute("data-ready", "true");
        });
      });
    });
    editor.on("change", function () {
      if (state.record !== rec || !rec.ready) return;
      tidyForm();
      rec.dirty = !equal(editor.getValue(), rec.initial);
      clearTimeout(rec.keepTimer);
      rec.keepTimer = setTimeout(function () {
        if (state.record !== rec) return;
        fitTextareas(holder);  // rows added, moved, restored
        if (rec.dirty) keepUnsaved(rec);
        else dropUnsaved(rec.kind, rec.id);
      }, 300);
    });
  }

  function restore(rec, kept) {
    rec.editor.setValue(kept.form);
    rec.dirty = true;
    var later = kept.version !== rec.version;
    if (later) rec.version = kept.version;  // so that saving shows both versions
    $("tb-restored-text").textContent = "已恢复 " + timeText(kept.time) + " 在这台电脑上没有保存的修改（浏览器关闭或崩溃前留下的）。"
      + (later ? "这之后文件在磁盘上又被改过：保存时会让你对照两个版本再选择。" : "检查后按“保存”写入文件。");
    $("tb-restored").hidden = false;
  }

  // json-editor names each input "root[field]" for screen readers; its <label for> is the better name
  function tidyForm() {
    var form = $("tb-form");
    Array.prototype.forEach.call(form.querySelectorAll("[aria-label^='root']"), function (input) {
      var label = input.id ? form.querySelector("label[for='" + CSS.escape(input.id) + "']") : null;
      if (label && label.textContent.trim()) input.removeAttribute("aria-label");
      else input.setAttribute("aria-label", describePath(editorPathOf(input)));
    });
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
      if (!b.getAttribute("type")) b.setAttribute("type", "button");
      if (!b.textContent.trim() && b.title) b.setAttribute("aria-label", b.title);
    });
  }

  // a text area as tall as its text (json-editor's expand_height measures before the page is laid out)
  function fitTextareas(root, only) {
    var areas = only ? [only] : root.querySelectorAll("textarea.je-textarea:not(.tb-md-source)");
    Array.prototype.forEach.call(areas, function (t) {
      if (!t.offsetParent) return;
      t.style.height = "auto";
      t.style.height = (t.scrollHeight + 2) + "px";
    });
  }

  function editorPathOf(input) {
    var name = input.getAttribute("name") || input.getAttribute("aria-label") || "";
    return name.replace(/\]\[/g, ".").replace(/\[/g, ".").replace(/\]/g, "");
  }

  // -- problems at their fields ---------------------------------------------------------------------------------------

  // "clauses[2].schedule[1].duty" (positions from 1, as `check` says them) -> "root.clauses.1.schedule.0.duty"
  function editorPath(field) {
    return ["root"].concat(fieldParts(field).map(String)).join(".");
  }

  function fieldEditor(problem) {
    var editor = state.record && state.record.editor;
    if (!editor) return null;
    var path = editorPath(problem.field);
    var missing = /缺少必填字段\s*"([^"]+)"/.exec(problem.message);
    if (missing) path += "." + missing[1];
    while (path && !editor.getEditor(path)) path = path.slice(0, Math.max(path.lastIndexOf("."), 0));
    return path && path !== "root" ? editor.getEditor(path) : null;
  }

  function describePath(path) {
    var rec = state.record;
    var schema = rec && rec.schema;
    var parts = path.split(".").slice(1);
    var words = [];
    parts.forEach(function (p) {
      if (!schema) { words.push(p); return; }
      if (/^\d+$/.test(p) && schema.items) {
        words.push("第 " + (Number(p) + 1) + " 项");
        schema = schema.items;
      } else {
        var sub = schema.properties && schema.properties[p];
        words.push(sub && sub.title ? sub.title : p);
        schema = sub;
      }
    });
    return words.join(" › ") || "整条记录";
  }

  function inputOf(ed) {
    if (!ed) return null;
    if (ed.input && ed.input.type !== "hidden" && !ed.input.hidden) return ed.input;
    return ed.container && ed.container.querySelector("input:not([type=hidden]), select, textarea:not([hidden]), [contenteditable=true]");
  }

  function focusField(ed) {
    if (!ed) return;
    if (ed.container) ed.container.scrollIntoView({ block: "center" });
    if (ed.tui) { ed.tui.focus(); return; }
    var input = inputOf(ed);
    if (input) input.focus();
  }

  function clearMarks() {
    var form = $("tb-form");
    Array.prototype.forEach.call(form.querySelectorAll(".tb-field-problem"), function (n) { n.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid], [aria-describedby*='tb-fp-']"), function (n) {
      n.removeAttribute("aria-invalid");
      var ids = (n.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x.indexOf("tb-fp-") !== 0; });
      if (ids.length) n.setAttribute("aria-describedby", ids.join(" "));
      else n.removeAttribute("aria-describedby");
    });
    Array.prototype.forEach.call(form.querySelectorAll(".tb-invalid"), function (n) { n.classList.remove("tb-invalid"); });
  }

  function markField(ed, problem, n) {
    var note = el("p", { className: "tb-field-problem", id: "tb-fp-" + n }, [
      el("span", { "aria-hidden": "true", text: "⚠ " }), problem.message]);
    if (ed.markProblem) { ed.markProblem(note, problem); return; }  // a reference picker (RefsEditor)
    var input = inputOf(ed);
    var areas = ed.tui && ed.container ? ed.container.querySelectorAll(".tb-md [contenteditable]") : [];
    var after = ed.tui ? ed.container.querySelector(".tb-md") : (ed.input && input === ed.input ? ed.input : null);
    if (after && after.parentNode) after.parentNode.insertBefore(note, after.nextSibling);
    else {
      var head = ed.container.querySelector("h3, h4, h5, .je-header, label, b");
      if (head && head.parentNode === ed.container) ed.container.insertBefore(note, head.nextSibling);
      else ed.container.insertBefore(note, ed.container.firstChild);
    }
    ed.container.classList.add("tb-invalid");
    var targets = areas.length ? Array.prototype.slice.call(areas) : (input && after ? [input] : []);
    targets.forEach(function (t) {
      t.setAttribute("aria-invalid", "true");
      t.setAttribute("aria-describedby", ((t.getAttribute("aria-describedby") || "") + " tb-fp-" + n).trim());
    });
  }

  function showProblems(problems, heading) {
    var rec = state.record;
    clearMarks();
    var box = $("tb-problems"), list = $("tb-problems-list");
    clear(list);
    if (!problems.length) { box.hidden = true; return; }
    $("tb-problems-title").textContent = heading || ("这条记录有 " + problems.length + " 个问题");
    problems.forEach(function (p, i) {
      var ed = rec && rec.editor && rec.ready ? fieldEditor(p) : null;
      if (ed) markField(ed, p, i);
      var where = ed ? describePath(ed.path) : (p.field ? p.field : "");
      var line = p.line ? "（第 " + p.line + " 行）" : "";
      var file = rec && p.file && p.file !== rec.path ? "［" + p.file + "］" : "";
      var item = el("li", {}, []);
      if (ed) {
        var go = el("button", { type: "button", className: "tb-linkish", text: where });
        go.addEventListener("click", function () { focusField(ed); });
        item.appendChild(go);
        item.appendChild(document.createTextNode("：" + p.message + line));
      } else {
        item.textContent = file + (where ? where + "：" : "") + p.message + line;
      }
      var unknown = rec && !file ? unknownField(rec, p.field) : null;
      if (unknown) {  // a field the form does not show: it can only be dropped here
        var drop = el("button", { type: "button", className: "tb-button tb-small", text: "保存时删掉这个字段" });
        drop.addEventListener("click", function () {
          rec.dropped.push(unknown);
          rec.dirty = true;
          drop.disabled = true;
          drop.textContent = "保存时会删掉";
          say("字段 " + p.field + " 会在保存时删掉。", "");
        });
        item.appendChild(document.createTextNode(" "));
        item.appendChild(drop);
      }
      list.appendChild(item);
    });
    box.hidden = false;
  }

  // -- messages ------------------------------------------------------------------------------------------------------

  function say(text, kind) {
    var box = $("tb-message");
    box.textContent = text;
    box.className = "tb-message" + (kind ? " tb-message-" + kind : "");
    box.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function setBusy(on) {
    state.busy = on;
    ["tb-save", "tb-undo", "tb-take-disk", "tb-take-mine", "tb-undo-yes"].forEach(function (id) {
      $(id).disabled = on || (id === "tb-save" && !!state.record && state.record.original === null);
    });
    $("tb-form").setAttribute("aria-busy", on ? "true" : "false");
  }

  // -- save, conflict, undo ------------------------------------------------------------------------------------------

  // what is typed in a field reaches json-editor on "change" (leaving the field): Ctrl+S and the unsaved copy
  // must not wait for that
  function commitTyping(target) {
    var t = target || document.activeElement;
    if (t && t.closest && t.closest("#tb-form") && !t.closest(".tb-md") && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) {
      t.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function valuesToSend(rec) {
    var values = merge(rec.original, rec.initial, rec.editor.getValue(), rec.schema);
    rec.dropped.forEach(function (parts) {
      var at = values;
      for (var i = 0; at && i < parts.length - 1; i++) at = at[parts[i]];
      if (isObject(at)) delete at[parts[parts.length - 1]];
    });
    return values;
  }

  // "clauses[2].foo" -> ["clauses", 1, "foo"]
  function fieldParts(field) {
    var out = [], re = /([^.[\]]+)|\[(\d+)\]/g, m;
    while ((m = re.exec(field || ""))) out.push(m[2] !== undefined ? Number(m[2]) - 1 : m[1]);
    return out;
  }

  // the parts of a field the record has but its schema does not know (so the form does not show it), else null
  function unknownField(rec, field) {
    var parts = fieldParts(field);
    if (!parts.length || typeof parts[parts.length - 1] !== "string") return null;
    var schema = rec.schema, value = rec.original;
    for (var i = 0; i < parts.length - 1; i++) {
      schema = typeof parts[i] === "number" ? schema && schema.items : schema && schema.properties && schema.properties[parts[i]];
      value = value === null || value === undefined ? undefined : value[parts[i]];
    }
    var last = parts[parts.length - 1];
    if (!schema || !schema.properties || schema.properties[last] || !isObject(value) || !(last in value)) return null;
    return parts;
  }

  function save(version) {
    var rec = state.record;
    if (!rec || !rec.editor || !rec.ready || state.busy) return Promise.resolve(false);
    commitTyping();
    var values = valuesToSend(rec);
    var form = rec.editor.getValue();
    setBusy(true);
    say("正在保存……", "");
    return api("PUT", "records/" + rec.kind + "/" + rec.id, { values: values, version: version || rec.version }).then(function (r) {
      setBusy(false);
      if (state.record !== rec) return false;
      if (r.status === 200) {
        rec.version = r.data.version;
        rec.original = values;
        rec.initial = form;
        rec.dirty = !equal(rec.editor.getValue(), form);
        rec.problems = r.data.problems || [];
        rec.dropped = [];
        dropUnsaved(rec.kind, rec.id);
        $("tb-conflict").hidden = true;
        $("tb-restored").hidden = true;
        $("tb-record-title").textContent = recordTitle(values, rec.id);
        showProblems(rec.problems, rec.problems.length ? "已保存为草稿，但还有 " + rec.problems.length + " 个问题（发布前须改正）" : "");
        say(rec.problems.length ? "已保存（草稿，还有 " + rec.problems.length + " 个问题）。预览会随即更新。" : "已保存。预览会随即更新。", "ok");
        return true;
      } else if (r.status === 422) {
        var refused = r.data.refused || [];
        showProblems(refused, "没有保存：有 " + refused.length + " 个问题须先改正");
        say("没有保存：这条记录不是草稿，带着问题不能保存。请先改正下面列出的问题（文件没有改动）。", "error");
        $("tb-problems-title").focus();
      } else if (r.status === 409) {
        showConflict(rec, values, r.data.conflict);
      } else {
        say("没有保存：" + (r.data.error || ("HTTP " + r.status)), "error");
      }
    });
  }

  function showConflict(rec, values, conflict) {
    rec.conflict = { values: values, version: conflict.version, disk: conflict.values };
    var mine = yamlish(values, rec.schema).split("\n");
    var disk = (conflict.text || "").replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
    fillCompare($("tb-mine"), mine, disk);
    fillCompare($("tb-disk"), disk, mine);
    $("tb-conflict").hidden = false;
    say("没有保存：文件在磁盘上已被改过。请在下面选择保留哪个版本。", "error");
    $("tb-conflict-title").focus();
  }

  function fillCompare(pre, lines, other) {
    clear(pre);
    var seen = {};
    other.forEach(function (l) { seen[l.trim()] = true; });
    lines.forEach(function (l) {
      var differs = l.trim() && !seen[l.trim()];
      pre.appendChild(differs ? el("mark", { text: l }) : document.createTextNode(l));
      pre.appendChild(document.createTextNode("\n"));
    });
  }

  function takeDisk() {
    var rec = state.record;
    if (!rec || !rec.conflict) return;
    dropUnsaved(rec.kind, rec.id);
    rec.dirty = false;
    openRecord(rec.kind, rec.id, "已换成磁盘上的版本，你在表单里的修改已放弃。");
  }

  function takeMine() {
    var rec = state.record;
    if (!rec || !rec.conflict) return;
    save(rec.conflict.version);
  }

  function undo(confirmed) {
    var rec = state.record;
    if (!rec || state.busy) return;
    if (rec.dirty && !confirmed) {
      $("tb-confirm-undo").hidden = false;
      $("tb-undo-yes").focus();
      return;
    }
    $("tb-confirm-undo").hidden = true;
    setBusy(true);
    say("正在撤销……", "");
    api("POST", "records/" + rec.kind + "/" + rec.id + "/undo").then(function (r) {
      setBusy(false);
      if (state.record !== rec) return;
      if (r.status === 200) {
        dropUnsaved(rec.kind, rec.id);
        rec.dirty = false;
        openRecord(rec.kind, rec.id, "已撤销上次保存：文件恢复为那次保存之前的内容。");
      } else {
        say("没有撤销：" + (r.data.error || ("HTTP " + r.status)), "error");
      }
    });
  }

  function discardRestored() {
    var rec = state.record;
    if (!rec) return;
    dropUnsaved(rec.kind, rec.id);
    rec.dirty = false;
    openRecord(rec.kind, rec.id, "已放弃这些修改。");
  }

  // -- a record as YAML-like text (the "mine" side of a conflict) -----------------------------------------------------

  function scalar(v) {
    if (typeof v !== "string") return JSON.stringify(v);
    if (v === "" || /^[\s\-?:,[\]{}#&*!|>'"%@`]|: | #|\s$/.test(v) || /^(true|false|null|~|yes|no|on|off)$/i.test(v) ||
        /^[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?$|^\d+:\d+/.test(v)) return JSON.stringify(v);
    return v;
  }

  function yamlish(value, schema) {
    var out = [];
    function put(v, indent, lead) {
      var pad = new Array(indent + 1).join(" ");
      if (isObject(v)) {
        var keys = Object.keys(v);
        if (!keys.length) { out.push(pad + lead + "{}"); return; }
        keys.forEach(function (k, i) {
          var first = i === 0 ? lead : new Array(lead.length + 1).join(" ");
          item(k, v[k], pad + first, indent + lead.length);
        });
      } else {
        out.push(pad + lead + scalar(v));
      }
    }
    function item(k, v, prefix, indent) {
      var pad = new Array(indent + 3).join(" ");
      if (typeof v === "string" && v.indexOf("\n") >= 0) {
        out.push(prefix + k + ": |");
        v.replace(/\n$/, "").split("\n").forEach(function (l) { out.push(l ? pad + l : ""); });
      } else if (Array.isArray(v)) {
        if (!v.length) { out.push(prefix + k + ": []"); return; }
        out.push(prefix + k + ":");
        v.forEach(function (x) { put(x, indent + 2, "- "); });
      } else if (isObject(v)) {
        out.push(prefix + k + ":");
        put(v, indent + 2, "");
      } else {
        out.push(prefix + k + ": " + scalar(v));
      }
    }
    var order = schema && schema.properties ? Object.keys(schema.properties) : [];
    var sorted = {};
    order.concat(Object.keys(value || {})).forEach(function (k) { if (value && k in value && !(k in sorted)) sorted[k] = value[k]; });
    put(sorted, 0, "");
    return out.join("\n");
  }

  // -- reference pickers: a field that lists other records by id ("x-refers" in its schema) ---------------------------

  // The records a picker offers: those of the kinds the field refers to, from the list (title, id, unit, status).
  function candidates(kinds) {
    var self = state.record;
    return (state.list ? state.list.records : []).filter(function (r) {
      return kinds.indexOf(r.kind) >= 0 && !(self && r.kind === self.kind && r.id === self.id);
    });
  }

  function describeRecord(r) {
    var label = state.kinds[r.kind] || r.kind;
    return [label, r.id, r.unit, r.issue ? r.issue + " 期" : "", r.status !== "已发布" ? r.status : ""]
      .filter(Boolean).join(" · ");
  }

  var refsMade = 0;

  function defineRefsEditor() {
    // One list of ids, shown as the records' titles: each can be moved up or down or removed with a button, and
    // records are added by searching their titles, ids or units. The value is the list of ids, in order, and
    // never changed by opening the form: an id the list does not know is shown as it is.
    class RefsEditor extends JSONEditor.AbstractEditor {
      build() {
        var self = this;
        var n = ++refsMade;
        this.value = [];
        this.kinds = this.schema["x-refers"] || [];
        this.ids = { head: "tb-refs-" + n + "-l", desc: "tb-refs-" + n + "-d", search: "tb-refs-" + n + "-q",
          found: "tb-refs-" + n + "-f", said: "tb-refs-" + n + "-s" };
        this.header = this.label = el("span", { className: "je-header tb-refs-head", id: this.ids.head });
        this.container.appendChild(this.header);
        var kinds = this.kinds.map(function (k) { return state.kinds[k] || k; }).join("、");
        this.description = el("p", { className: "tb-refs-desc", id: this.ids.desc,
          text: (this.schema.description ? this.schema.description + " " : "") + "下面列出选中的" + kinds + "，按顺序保存它们的编号。" });
        this.container.appendChild(this.description);
        this.group = el("div", { className: "tb-refs", role: "group", "aria-labelledby": this.ids.head, "aria-describedby": this.ids.desc });
        this.list = el("ol", { className: "tb-refs-list" });
        this.empty = el("p", { className: "tb-refs-empty", text: "还没有选择。" });
        this.search = el("input", { type: "search", id: this.ids.search, autocomplete: "off", className: "tb-refs-search",
          "aria-describedby": this.ids.found });
        var searchLabel = el("label", { "for": this.ids.search, text: "添加" + kinds + "：输入标题、编号或单位查找" });
        this.found = el("ul", { className: "tb-refs-found", "aria-label": "可添加的" + kinds });
        this.foundNote = el("p", { className: "tb-refs-note", id: this.ids.found });
        this.said = el("p", { className: "tb-visually-hidden", id: this.ids.said, role: "status" });
        [this.list, this.empty, el("div", { className: "tb-refs-add" }, [searchLabel, this.search, this.foundNote, this.found]), this.said]
          .forEach(function (node) { self.group.appendChild(node); });
        this.container.appendChild(this.group);
        this.search.addEventListener("input", function () { self.showFound(); });
        this.search.addEventListener("keydown", function (e) {
          if (e.key !== "Enter") return;
          e.preventDefault();  // Enter adds the first match (and never submits the form)
          var first = self.found.querySelector("button");
          if (first) first.click();
        });
        this.showFound();
      }

      titleOf(id) {
        var r = (state.list ? state.list.records : []).filter(function (x) { return x.id === id; })[0];
        return r || null;
      }

      render(focus) {
        var self = this;
        clear(this.list);
        var value = this.value;
        value.forEach(function (id, i) {
          var r = typeof id === "string" ? self.titleOf(id) : null;
          var title = r ? r.title : String(id);
          var item = el("li", { className: "tb-ref" + (r ? "" : " tb-ref-unknown") }, [
            el("span", { className: "tb-ref-title", text: title }),
            el("span", { className: "tb-id", text: r ? describeRecord(r) : "找不到编号为“" + String(id) + "”的记录" })
          ]);
          var buttons = el("span", { className: "tb-ref-buttons" });
          [["up", "上移", i === 0], ["down", "下移", i === value.length - 1], ["remove", "移除", false]].forEach(function (b) {
            var button = el("button", { type: "button", className: "tb-button tb-small tb-ref-" + b[0], text: b[1],
              "aria-label": b[1] + "：" + title, "data-at": String(i) });
            button.disabled = b[2] || !!self.disabled;
            button.addEventListener("click", function () { self.act(b[0], i); });
            buttons.appendChild(button);
          });
          item.appendChild(buttons);
          self.list.appendChild(item);
        });
        this.empty.hidden = value.length > 0;
        this.showFound();
        if (focus) {
          var target = focus.what === "search" ? this.search
            : this.list.querySelector(".tb-ref-" + focus.what + '[data-at="' + focus.at + '"]:not(:disabled)') ||
              this.list.querySelector('.tb-ref-remove[data-at="' + focus.at + '"]') || this.search;
          target.focus();
        }
      }

      act(what, i) {
        var next = this.value.slice();
        var title = this.list.children[i] ? this.list.children[i].querySelector(".tb-ref-title").textContent : "";
        if (what === "up" && i > 0) {
          next.splice(i - 1, 0, next.splice(i, 1)[0]);
          this.update(next, { what: i - 1 === 0 ? "down" : "up", at: i - 1 }, "已上移：" + title + "，现在是第 " + i + " 项。");
        } else if (what === "down" && i < next.length - 1) {
          next.splice(i + 1, 0, next.splice(i, 1)[0]);
          this.update(next, { what: i + 1 === next.length - 1 ? "up" : "down", at: i + 1 }, "已下移：" + title + "，现在是第 " + (i + 2) + " 项。");
        } else if (what === "remove") {
          next.splice(i, 1);
          this.update(next, next.length ? { what: "remove", at: Math.min(i, next.length - 1) } : { what: "search" }, "已移除：" + title + "。");
        }
      }

      add(id) {
        if (this.value.indexOf(id) >= 0) return;
        var r = this.titleOf(id);
        this.search.value = "";
        this.update(this.value.concat([id]), { what: "search" }, "已添加：" + (r ? r.title : id) + "，现在是第 " + (this.value.length + 1) + " 项。");
      }

      update(next, focus, message) {  // (not `change`: AbstractEditor's, which tells the parent)
        this.value = next;  // a new list each time: a value handed out earlier (the form as it opened) never changes
        this.render(focus);
        this.said.textContent = message;
        this.is_dirty = true;
        this.onChange(true);
      }

      showFound() {
        var self = this;
        clear(this.found);
        var words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
        if (!words.length) {
          this.foundNote.textContent = "输入后在下面列出符合的记录，按“添加”或回车（添加第一条）。";
          return;
        }
        var chosen = this.value;
        var all = candidates(this.kinds).filter(function (r) {
          if (chosen.indexOf(r.id) >= 0) return false;
          var hay = [r.title, r.id, r.unit, r.issue].join(" ").toLowerCase();
          return words.every(function (w) { return hay.indexOf(w) >= 0; });
        });
        var most = 8;
        all.slice(0, most).forEach(function (r) {
          // its name is what it shows, after a word for screen readers: 添加：<title> <kind · id · unit>
          var button = el("button", { type: "button", className: "tb-ref-pick" }, [
            el("span", { className: "tb-ref-plus", "aria-hidden": "true", text: "＋" }), el("span", { className: "tb-visually-hidden", text: "添加：" }), el("span", { className: "tb-ref-title", text: r.title }), " ",
            el("span", { className: "tb-id", text: describeRecord(r) })]);
          button.disabled = !!self.disabled;
          button.addEventListener("click", function () { self.add(r.id); });
          self.found.appendChild(el("li", {}, [button]));
        });
        this.foundNote.textContent = !all.length ? "没有找到符合的记录（已选的不再列出）。"
          : all.length > most ? "找到 " + all.length + " 条，下面列出前 " + most + " 条；多输入几个字可以缩小范围。"
          : "找到 " + all.length + " 条：";
      }

      markProblem(note, problem) {
        this.container.insertBefore(note, this.description.nextSibling);
        this.container.classList.add("tb-invalid");
        this.group.setAttribute("aria-describedby", this.ids.desc + " " + note.id);
        var at = /\[(\d+)\]$/.exec(problem.field || "");
        var item = at ? this.list.children[Number(at[1]) - 1] : null;
        if (item) item.classList.add("tb-invalid");
      }

      clearProblem() {
        this.group.setAttribute("aria-describedby", this.ids.desc);
        Array.prototype.forEach.call(this.list.querySelectorAll(".tb-invalid"), function (n) { n.classList.remove("tb-invalid"); });
      }

      focus() { this.search.focus(); }

      setValue(value, initial) {
        var next = Array.isArray(value) ? value.slice() : [];
        var changed = !equal(next, this.value);
        this.value = next;
        this.render();
        if (changed && !initial) {
          this.is_dirty = true;
          this.onChange(true);
        }
      }

      getValue() {
        return this.value ? this.value.slice() : this.value;
      }

      enable() {
        super.enable();
        this.render();
        this.search.disabled = false;
      }

      disable(always) {
        if (always) this.always_disabled = true;
        super.disable();
        this.render();
        this.search.disabled = true;
      }
    }

    JSONEditor.defaults.editors.tbrefs = RefsEditor;
    JSONEditor.defaults.resolvers.unshift(function (schema) {
      if (schema.type === "array" && Array.isArray(schema["x-refers"]) && schema["x-refers"].length) return "tbrefs";
      return undefined;
    });
  }

  // -- the month's work: new issue, Word import, new record, finalize, publish -----------------------------------------

  var ID_RULE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var MONTH_RULE = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
  var IMAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(jpg|jpeg|png|gif|webp)$/;
  var opener = null;  // what had the focus when a dialog opened: it gets it back

  function megabytes(bytes) {  // as the server says sizes: 1 MB = 1,000,000 bytes
    var mb = bytes / 1e6;
    return (mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10) + " MB";
  }

  // a refusal as the server says it, after `what` unless the server's words already say so
  function refusal(what, r) {
    var text = r.data.error || ("HTTP " + r.status);
    return /^(没有|未|不能|无法)/.test(text) ? text : what + "：" + text;
  }

  function listMessage(text, kind) {
    var box = $("tb-list-message");
    box.textContent = text;
    box.className = "tb-message" + (kind ? " tb-message-" + kind : "");
    box.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  // The server's settings for this preview (themes, next month, upload limits, where it publishes), asked afresh
  // each time a dialog opens: they change as the editor works.
  function withSetup(then) {
    return api("GET", "setup").then(function (r) {
      if (r.status !== 200) {
        state.setup = null;
        listMessage("编辑台读不到预览的设置：" + (r.data.error || ("HTTP " + r.status)), "error");
        return;
      }
      state.setup = r.data;
      showPublishWhere();
      then(r.data);
    });
  }

  function showPublishWhere() {
    var s = state.setup;
    $("tb-publish-where").textContent = !s ? ""
      : s.publishing ? "正在发布到 " + s.publish_to + "……"
      : s.publish_to ? "发布到：" + s.publish_to
      : "还没有设置发布目录（点“发布”查看怎样设置）。";
  }

  function refreshList() {
    return loadList().then(function (data) {
      fillFilters(data);
      renderElsewhere(data.problems_elsewhere || []);
      renderRows();
      return data;
    }, function (e) { listMessage("读不到记录列表：" + e.message, "error"); });
  }

  function openRecordOf(kind, id) {
    var hash = "#/" + kind + "/" + id;
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function openDialog(id) {
    var d = $(id);
    opener = document.activeElement;
    $("tb-made").hidden = true;  // what the last action made: the list shows it from now on
    if (!d.open) d.showModal();
    return d;
  }

  function closeDialogs() {
    Array.prototype.forEach.call(document.querySelectorAll("dialog[open]"), function (d) { d.close(); });
  }

  function dialogError(id, text) {
    var box = $(id);
    box.textContent = text || "";
    box.hidden = !text;
  }

  function busyButton(button, on, text) {
    if (on) {
      if (!button.hasAttribute("data-text")) button.setAttribute("data-text", button.textContent);  // its own words
      button.textContent = text;
    } else if (button.hasAttribute("data-text")) {
      button.textContent = button.getAttribute("data-text");
      button.removeAttribute("data-text");
    }
    button.disabled = on;
  }

  // what an action wrote, as links to the records (shown above the list)
  function madeNotice(text, written) {
    $("tb-made-text").textContent = text;
    var list = $("tb-made-list");
    clear(list);
    (written || []).forEach(function (w) {
      var item = el("li", {});
      if (state.kinds[w.kind] && w.id) {
        var row = rowOf(w.kind, w.id);
        item.appendChild(el("a", { href: "#/" + w.kind + "/" + w.id, text: (state.kinds[w.kind]) + "：" + (row ? row.title : w.id) }));
        item.appendChild(el("span", { className: "tb-id", text: "data/" + w.path }));
      } else {
        item.textContent = "data/" + (w.path || w);
      }
      list.appendChild(item);
    });
    $("tb-made").hidden = false;
  }

  // 新建本期
  function openNewIssue() {
    withSetup(function (s) {
      $("tb-issue-month").value = s.next_month || "";
      var select = $("tb-issue-theme"), keep = select.value;
      clear(select);
      select.appendChild(el("option", { value: "", text: "请选择本期主题" }));
      (s.themes || []).forEach(function (t) { select.appendChild(el("option", { value: t, text: t })); });
      if ((s.themes || []).indexOf(keep) >= 0) select.value = keep;
      $("tb-issue-cases").value = "4";
      dialogError("tb-issue-error", "");
      openDialog("tb-dlg-issue");
    });
  }

  function submitNewIssue(e) {
    e.preventDefault();
    var month = $("tb-issue-month").value.trim(), theme = $("tb-issue-theme").value;
    var count = Number($("tb-issue-cases").value);
    var wrong = !MONTH_RULE.test(month) ? ["tb-issue-month", "请填写月份，格式 YYYY-MM，如 2026-12。"]
      : !theme ? ["tb-issue-theme", "请选择本期主题。"]
      : !(count >= 1 && count <= 20 && Math.floor(count) === count) ? ["tb-issue-cases", "案例篇数应在 1 到 20 之间。"] : null;
    if (wrong) { dialogError("tb-issue-error", wrong[1]); $(wrong[0]).focus(); return; }
    dialogError("tb-issue-error", "");
    var go = $("tb-issue-go");
    busyButton(go, true, "正在新建……");
    api("POST", "issues", { month: month, theme: theme, cases: count }).then(function (r) {
      busyButton(go, false);
      if (r.status < 200 || r.status >= 300) { dialogError("tb-issue-error", refusal("没有新建", r)); return; }
      $("tb-dlg-issue").close();
      refreshList().then(function () {
        $("tb-issue").value = month;  // the list shows this issue and its cases
        renderRows();
        madeNotice(r.data.message || ("已新建 " + month + " 期专刊和案例模板（草稿）。下一步：导入 Word 稿件，或点开下面的记录填写。"), r.data.written);
        listMessage("已新建 " + month + " 期专刊（草稿）。", "ok");
        $("tb-made-list").querySelector("a") ? $("tb-made-list").querySelector("a").focus() : $("tb-import").focus();
      });
    });
  }

  // 导入 Word
  function openImport() {
    withSetup(function (s) {
      var select = $("tb-import-issue"), keep = select.value;
      clear(select);
      var issues = (state.list ? state.list.records : []).filter(function (r) { return r.kind === "issue"; });
      issues.sort(function (a, b) { return a.id < b.id ? 1 : a.id > b.id ? -1 : 0; });
      issues.forEach(function (r) {
        select.appendChild(el("option", { value: r.id, text: r.id + " 期" + (r.title && r.title !== r.id ? "：" + r.title : "") + "（" + r.status + "）" }));
      });
      var draft = issues.filter(function (r) { return r.status !== "已发布"; })[0];
      if (issues.some(function (r) { return r.id === keep; })) select.value = keep;
      else if (draft) select.value = draft.id;
      var limits = s.upload_limits || {};
      $("tb-import-limit").textContent = "每个文件不超过 " + megabytes(limits.docx_bytes || 0) + "。";
      $("tb-import-files").value = "";
      clear($("tb-import-results"));
      dialogError("tb-import-error", issues.length ? "" : "还没有专刊：请先“新建本期”。");
      $("tb-import-go").disabled = !issues.length;
      openDialog("tb-dlg-import");
    });
  }

  function submitImport(e) {
    e.preventDefault();
    var issue = $("tb-import-issue").value;
    var files = Array.prototype.slice.call($("tb-import-files").files || []);
    if (!issue) { dialogError("tb-import-error", "请选择导入到哪一期。"); $("tb-import-issue").focus(); return; }
    if (!files.length) { dialogError("tb-import-error", "请选择要导入的 .docx 文件（可一次选几个）。"); $("tb-import-files").focus(); return; }
    dialogError("tb-import-error", "");
    var limit = ((state.setup || {}).upload_limits || {}).docx_bytes || 0;
    var results = $("tb-import-results");
    clear(results);
    var go = $("tb-import-go");
    var made = [];
    var n = 0;
    function next() {
      if (n >= files.length) return Promise.resolve();
      var file = files[n++];
      busyButton(go, true, "正在导入 " + n + " / " + files.length + "……");
      var refused = !/\.docx$/i.test(file.name) ? (/\.doc$/i.test(file.name)
          ? "这是旧版 Word 文件（.doc）：请先在 Word 或 WPS 里“另存为” .docx 再导入。" : "不是 Word 文件（.docx）。")
        : limit && file.size > limit ? "文件有 " + megabytes(file.size) + "，超过上限 " + megabytes(limit) + "。" : "";
      if (refused) { showImported(results, file.name, { error: "没有导入：" + refused }); return next(); }
      return api("POST", "records/issue/" + encodeURIComponent(issue) + "/docx?name=" + encodeURIComponent(file.name), file).then(function (r) {
        var ok = r.status >= 200 && r.status < 300;
        showImported(results, file.name, ok ? r.data : { error: refusal("没有导入", r) });
        if (ok && r.data.id) made.push(r.data.id);
        return next();
      });
    }
    next().then(function () {
      busyButton(go, false);
      $("tb-import-files").value = "";  // imported: choosing again is a new import
      return refreshList();
    }).then(function () {
      // the titles of what was made, now that the list knows them
      Array.prototype.forEach.call(results.querySelectorAll("a[data-id]"), function (a) {
        var row = rowOf("case", a.getAttribute("data-id"));
        if (row) a.textContent = "打开“" + row.title + "”";
      });
      var done = made.length + " 篇导入成功" + (files.length > made.length ? "，" + (files.length - made.length) + " 个文件没有导入" : "") + "。";
      results.insertBefore(el("p", { className: "tb-results-sum " + (made.length === files.length ? "tb-message-ok" : "tb-message-error"), text: done }), results.firstChild);
      listMessage("导入 Word：" + done, made.length === files.length ? "ok" : "error");
    });
  }

  function showImported(holder, name, data) {
    var box = el("section", { className: "tb-result " + (data.error ? "tb-result-error" : "tb-result-ok") }, [el("h3", { text: name })]);
    if (data.error) {
      box.appendChild(el("p", { className: "tb-result-line", text: data.error }));
      holder.appendChild(box);
      return;
    }
    var line = el("p", { className: "tb-result-line", text: "已导入为案例 " + (data.id || "") + "（草稿）。" });
    if (data.id) {
      var open = el("a", { href: "#/case/" + data.id, "data-id": data.id, text: "打开这篇案例" });
      line.appendChild(document.createTextNode(" "));
      line.appendChild(open);
    }
    box.appendChild(line);
    function part(title, items, className) {
      if (!items || !items.length) return;
      box.appendChild(el("h4", { text: title }));
      box.appendChild(el("ul", { className: className || "" }, items.map(function (x) {
        return el("li", { text: typeof x === "string" ? x : x.path ? "data/" + x.path : (x.message || JSON.stringify(x)) });
      })));
    }
    part("写入的文件", data.written, "tb-result-files");
    part("请核对", data.notes, "tb-result-notes");
    part("没能转换的内容（请对照原文在表单里补上）", data.unmapped, "tb-result-unmapped");
    if (!(data.unmapped || []).length) box.appendChild(el("p", { className: "tb-muted", text: "文档里的内容都转换过来了。" }));
    holder.appendChild(box);
  }

  // 新建记录
  function openNewRecord() {
    withSetup(function (s) {
      var select = $("tb-record-kind"), keep = select.value;
      clear(select);
      (s.kinds || []).filter(function (k) { return k.kind !== "issue"; }).forEach(function (k) {
        select.appendChild(el("option", { value: k.kind, text: k.label }));
      });
      if (keep) select.value = keep;
      if (!select.value) select.value = "case";
      $("tb-record-id").value = "";
      dialogError("tb-record-error", "");
      openDialog("tb-dlg-record");
    });
  }

  function submitNewRecord(e) {
    e.preventDefault();
    var kind = $("tb-record-kind").value, id = $("tb-record-id").value.trim();
    var taken = (state.list ? state.list.records : []).filter(function (r) { return r.id === id; })[0];
    var wrong = !id ? "请填写编号。"
      : !ID_RULE.test(id) || id.length > 64 ? "编号“" + id + "”不合要求：只能用小写英文字母、数字和连字符（连字符不能在开头、结尾或连用），不超过 64 个字符，如 hongse-yizhan。"
      : taken ? "编号 " + id + " 已被“" + taken.title + "”（data/" + taken.path + "）使用，请换一个。" : "";
    if (wrong) { dialogError("tb-record-error", wrong); $("tb-record-id").focus(); return; }
    dialogError("tb-record-error", "");
    var go = $("tb-record-go");
    busyButton(go, true, "正在新建……");
    api("POST", "records/" + encodeURIComponent(kind), { id: id }).then(function (r) {
      busyButton(go, false);
      if (r.status < 200 || r.status >= 300) { dialogError("tb-record-error", refusal("没有新建", r)); return; }
      $("tb-dlg-record").close();
      loadList().catch(function () { /* the form opens anyway */ }).then(function () { openRecordOf(kind, id); });
    });
  }

  // 定稿
  function canFinalize(data, row) {
    var v = data.values || {};
    return v.draft === true || (!!row && (row.status === "草稿" || row.status === "待定稿" || row.status === "定时发布"));
  }

  function openFinalize() {
    var rec = state.record;
    if (!rec) return;
    var issue = rec.kind === "issue";
    var v = rec.original || {};
    var row = rowOf(rec.kind, rec.id);
    var count = issue && Array.isArray(v.cases) ? v.cases.length : 0;
    $("tb-finalize-what").textContent = issue
      ? "定稿后，" + rec.id + " 期专刊和它收录的 " + count + " 篇案例都去掉草稿标记，下次发布时出现在正式网站上。还有“待填写”的内容时不会定稿，会列出位置。"
      : "定稿后这条记录去掉草稿标记，下次发布时出现在正式网站上。还有“待填写”的内容时不会定稿，会列出位置。"
        + (row && row.issue && rec.kind === "case" ? "这篇案例收录在 " + row.issue + " 期专刊里：在专刊上定稿，会连同本期的全部案例一起定稿。" : "");
    $("tb-finalize-when").hidden = !issue;
    $("tb-finalize-date").value = issue && typeof v.publish_date === "string" ? v.publish_date : "";
    $("tb-finalize-unsaved").hidden = !rec.dirty;
    $("tb-finalize-go").textContent = rec.dirty ? "保存并定稿" : "定稿";
    dialogError("tb-finalize-error", "");
    openDialog("tb-dlg-finalize");
  }

  function submitFinalize(e) {
    e.preventDefault();
    var rec = state.record;
    if (!rec) return;
    var date = rec.kind === "issue" ? $("tb-finalize-date").value : "";
    if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date)) { dialogError("tb-finalize-error", "日期格式应为 YYYY-MM-DD，如 2026-12-01。"); return; }
    var go = $("tb-finalize-go");
    busyButton(go, true, "正在定稿……");
    commitTyping();
    var saved = rec.dirty ? save() : Promise.resolve(true);
    saved.then(function (ok) {
      if (!ok || state.record !== rec) {
        busyButton(go, false);
        $("tb-dlg-finalize").close();
        say("没有定稿：表单里的修改没有保存成功（见下面的说明）。", "error");
        return;
      }
      return api("POST", "records/" + rec.kind + "/" + rec.id + "/finalize", { date: date || null }).then(function (r) {
        busyButton(go, false);
        if (r.status < 200 || r.status >= 300) { dialogError("tb-finalize-error", refusal("没有定稿", r)); return; }
        $("tb-dlg-finalize").close();
        var note = r.data.message || (date ? "已定稿，定于 " + date + " 发布。" : "已定稿。");
        return loadList().catch(function () { /* the status line waits for the next list */ }).then(function () {
          if (state.record === rec) openRecord(rec.kind, rec.id, note + " 点“返回列表”，再点“发布”上线。");
        });
      });
    });
  }

  // 发布
  var polling = null;

  function openPublish() {
    withSetup(function (s) {
      var drafts = (state.list ? state.list.records : []).filter(function (r) { return r.status === "草稿" || r.status === "待定稿"; });
      $("tb-publish-what").textContent = s.publish_to
        ? "把正式网站（只含已定稿的记录）生成到发布目录 " + s.publish_to + "，逐个检查链接和搜索索引，都通过后才切换为当前版本（current）；失败时线上的网站不受影响。"
        : "还没有设置发布目录，编辑台不能发布。请网站管理员这样启动预览：python scripts/toolbook.py serve --publish-to 发布目录；或先设置环境变量 TOOLBOOK_PUBLISH_TO 为发布目录，再启动预览。";
      $("tb-publish-drafts").textContent = drafts.length ? "还有 " + drafts.length + " 条草稿或待定稿的记录，这次不会发布（先在它们的表单上定稿）。" : "";
      $("tb-publish-drafts").hidden = !drafts.length || !s.publish_to;
      $("tb-publish-go").hidden = !s.publish_to;
      $("tb-publish-go").disabled = !!s.publishing;
      showPublishResult(null);
      openDialog("tb-dlg-publish");
      if (s.publishing) pollPublish();
      else { clear($("tb-publish-log")); $("tb-publish-log").hidden = $("tb-publish-log-title").hidden = true; }
    });
  }

  function showPublishResult(text, kind) {
    var box = $("tb-publish-result");
    box.textContent = text || "";
    box.className = "tb-message" + (kind ? " tb-message-" + kind : "");
  }

  function startPublish(e) {
    e.preventDefault();
    var go = $("tb-publish-go");
    busyButton(go, true, "正在发布……");
    clear($("tb-publish-log"));
    showPublishResult("正在发布……", "");
    api("POST", "publish").then(function (r) {
      if (r.status < 200 || r.status >= 300) {
        busyButton(go, false);
        showPublishResult(refusal("没有开始发布", r), "error");
        return;
      }
      pollPublish();
    });
  }

  function pollPublish() {
    clearTimeout(polling);
    var go = $("tb-publish-go");
    api("GET", "publish").then(function (r) {
      if (!$("tb-dlg-publish").open) return;  // closed: asked again when it opens
      if (r.status !== 200) {
        busyButton(go, false);
        showPublishResult("读不到发布的进度：" + (r.data.error || ("HTTP " + r.status)), "error");
        return;
      }
      var d = r.data;
      var log = $("tb-publish-log");
      var lines = d.log || [];
      if (log.children.length > lines.length) clear(log);
      for (var i = log.children.length; i < lines.length; i++) log.appendChild(el("li", { text: String(lines[i]) }));
      log.hidden = $("tb-publish-log-title").hidden = !lines.length;
      if (d.running) {
        if (!go.disabled) busyButton(go, true, "正在发布……");
        showPublishResult("正在发布……", "");
        polling = setTimeout(pollPublish, 1000);
        return;
      }
      busyButton(go, false);
      if (d.ok === true) {
        var said = d.message || "发布成功。";
        showPublishResult(said + (d.release && said.indexOf(d.release) < 0 ? "（版本 " + d.release + "）" : ""), "ok");
        listMessage("发布成功" + (d.release ? "：版本 " + d.release : "") + "。", "ok");
      } else if (d.ok === false) {
        showPublishResult("发布没有成功，线上的网站没有改变：" + (d.message || ""), "error");
      } else {
        showPublishResult(d.message || "", "");
      }
      withSetup(function () { /* the line under the buttons */ });
      refreshList();
    });
  }

  // 上传配图: on a form with an `images` list (a case), pictures uploaded to data/assets/<id>/ and added as rows
  function imageLimits() {
    var limits = (state.setup && state.setup.upload_limits) || {};
    var types = limits.image_types && limits.image_types.length ? limits.image_types : ["jpg", "jpeg", "png", "gif", "webp"];
    return { bytes: limits.image_bytes || 0,
      names: types.map(function (x) { return String(x).toLowerCase().replace(/^image\//, "").replace(/^\./, ""); }) };
  }

  function addImageUpload(rec) {
    var images = rec.editor && rec.editor.getEditor("root.images");
    if (!images || !images.container || images.container.querySelector(".tb-upload")) return;
    var input = el("input", { type: "file", multiple: true, hidden: true, tabindex: "-1", "aria-hidden": "true", className: "tb-upload-input" });
    var button = el("button", { type: "button", className: "tb-button tb-upload-button", "aria-describedby": "tb-upload-hint" }, ["上传配图…"]);
    var hint = el("p", { className: "tb-upload-hint", id: "tb-upload-hint" });
    var said = el("p", { className: "tb-upload-said", role: "status" });
    var box = el("div", { className: "tb-upload" }, [button, input, hint, said]);
    // after the field's name and description, above its rows
    var head = images.description || images.container.querySelector(".je-header, h3, h4, b, label");
    var after = head && head.parentNode === images.container ? head : null;
    images.container.insertBefore(box, after ? after.nextSibling : images.container.firstChild);
    function describe() {
      var limits = imageLimits();
      input.setAttribute("accept", limits.names.map(function (x) { return "." + x; }).join(","));
      hint.textContent = "可选 " + names(limits.names).join("、") + " 格式的图片" + (limits.bytes ? "，每张不超过 " + megabytes(limits.bytes) : "")
        + "，可一次选几张。上传后在下面填写每张的图片说明，再保存。";
    }
    function names(list) { return list.filter(function (x) { return !(x === "jpeg" && list.indexOf("jpg") >= 0); }); }
    describe();
    if (!state.setup) state.setupAsked.then(function () { if (state.record === rec) describe(); });
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      if (files.length) uploadImages(rec, images, files, imageLimits(), button, said);
    });
  }

  // a file name the data accepts (ascii letters, digits, _ . -, a known extension), not yet among `taken`
  function safeImageName(name, taken) {
    var m = /\.([A-Za-z0-9]+)$/.exec(name);
    var ext = m ? m[1].toLowerCase() : "";
    var stem = (m ? name.slice(0, -m[0].length) : name).replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[-.]+|[-.]+$/g, "");
    var given = stem + "." + ext;
    if (/[A-Za-z0-9]/.test(stem) && IMAGE_NAME.test(given) && !taken[given.toLowerCase()]) return given;
    for (var n = 1; ; n++) {
      var made = "image-" + n + "." + ext;
      if (!taken[made.toLowerCase()]) return made;
    }
  }

  function uploadImages(rec, images, files, limits, button, said) {
    var names = limits.names;
    var taken = {};
    (images.getValue() || []).forEach(function (row) { if (row && typeof row.file === "string") taken[row.file.toLowerCase()] = true; });
    var added = [], refused = [];
    var n = 0;
    function next() {
      if (n >= files.length || state.record !== rec) return Promise.resolve();
      var file = files[n++];
      var m = /\.([A-Za-z0-9]+)$/.exec(file.name);
      var ext = m ? m[1].toLowerCase() : "";
      if (names.indexOf(ext) < 0) { refused.push("“" + file.name + "”不是可上传的图片格式（可用 " + names.join("、") + "）。"); return next(); }
      if (limits.bytes && file.size > limits.bytes) {
        refused.push("“" + file.name + "”有 " + megabytes(file.size) + "，超过每张 " + megabytes(limits.bytes) + " 的上限。");
        return next();
      }
      var name = safeImageName(file.name, taken);
      taken[name.toLowerCase()] = true;
      busyButton(button, true, "正在上传 " + n + " / " + files.length + "……");
      return api("POST", "records/" + rec.kind + "/" + rec.id + "/images?name=" + encodeURIComponent(name), file).then(function (r) {
        if (r.status >= 200 && r.status < 300) {
          var saved = r.data.file || name;
          added.push({ file: saved, caption: "", from: file.name });
          taken[saved.toLowerCase()] = true;
        } else {
          refused.push("“" + file.name + "”" + refusal("没有上传", r));
        }
        return next();
      });
    }
    next().then(function () {
      busyButton(button, false);
      if (state.record !== rec) return;
      var before = images.getValue() || [];
      if (added.length) {
        images.setValue(before.concat(added.map(function (a) { return { file: a.file, caption: "" }; })));
        images.onChange(true);
      }
      var text = (added.length ? "已上传 " + added.length + " 张：" + added.map(function (a) {
        return a.from === a.file ? a.file : a.from + " → " + a.file; }).join("，") + "。请在下面填写图片说明，然后保存。" : "")
        + (refused.length ? (added.length ? " " : "") + refused.join(" ") : "");
      said.textContent = text;
      said.className = "tb-upload-said" + (refused.length ? " tb-message-error" : " tb-message-ok");
      if (added.length) {
        setTimeout(function () {  // json-editor draws the new rows first
          tidyForm();
          var caption = $("tb-form").querySelector('[name="root[images][' + before.length + '][caption]"]');
          if (caption) caption.focus();
        }, 0);
      }
    });
  }

  function startMonthWork() {
    $("tb-new-issue").addEventListener("click", openNewIssue);
    $("tb-import").addEventListener("click", openImport);
    $("tb-new-record").addEventListener("click", openNewRecord);
    $("tb-publish").addEventListener("click", openPublish);
    $("tb-finalize").addEventListener("click", openFinalize);
    $("tb-issue-form").addEventListener("submit", submitNewIssue);
    $("tb-import-form").addEventListener("submit", submitImport);
    $("tb-record-form").addEventListener("submit", submitNewRecord);
    $("tb-finalize-form").addEventListener("submit", submitFinalize);
    $("tb-publish-form").addEventListener("submit", startPublish);
    Array.prototype.forEach.call(document.querySelectorAll("dialog.tb-dialog"), function (d) {
      Array.prototype.forEach.call(d.querySelectorAll(".tb-close"), function (b) {
        b.addEventListener("click", function () { d.close(); });
      });
      d.addEventListener("close", function () {
        if (d.id === "tb-dlg-publish") clearTimeout(polling);
        var back = opener;
        opener = null;
        if (back && document.contains(back) && back.offsetParent !== null) back.focus();
      });
      // a link inside a dialog (to a record just made) closes it on the way
      d.addEventListener("click", function (e) {
        if (e.target.closest && e.target.closest("a[href^='#/']")) d.close();
      });
    });
    state.setupAsked = api("GET", "setup").then(function (r) {
      if (r.status === 200) { state.setup = r.data; showPublishWhere(); }
    });
  }

  // -- start -----------------------------------------------------------------------------------------------------------

  function start() {
    if (!window.JSONEditor) { fatal("编辑台的表单组件没有加载（static/vendor/json-editor）。"); return; }
    defineLanguage();
    defineMarkdownEditor();
    defineRefsEditor();
    startMonthWork();
    $("tb-save").addEventListener("click", function () { save(); });
    $("tb-undo").addEventListener("click", function () { undo(false); });
    $("tb-undo-yes").addEventListener("click", function () { undo(true); });
    $("tb-undo-no").addEventListener("click", function () { $("tb-confirm-undo").hidden = true; $("tb-undo").focus(); });
    $("tb-back").addEventListener("click", function () { location.hash = "#/"; });
    $("tb-take-disk").addEventListener("click", takeDisk);
    $("tb-take-mine").addEventListener("click", takeMine);
    $("tb-discard").addEventListener("click", discardRestored);
    $("tb-form").addEventListener("submit", function (e) { e.preventDefault(); });
    var typing = null;
    $("tb-form").addEventListener("input", function (e) {
      if (e.target.tagName === "TEXTAREA") fitTextareas(null, e.target);
      clearTimeout(typing);
      typing = setTimeout(function () { commitTyping(e.target); }, 400);
    });
    window.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "s" || e.key === "S")) {
        if ($("tb-record").hidden) return;
        e.preventDefault();
        save();
      }
    }, true);
    window.addEventListener("hashchange", route);
    var resizing = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () { if (state.record && state.record.ready) fitTextareas($("tb-form")); }, 200);
    });
    window.addEventListener("pagehide", function () {
      var rec = state.record;
      if (rec && rec.editor && rec.ready && rec.dirty) keepUnsaved(rec);
    });
    if (!TOKEN || TOKEN.indexOf("{{") === 0) { fatal("编辑台的凭据缺失：请通过 toolbook.py serve 打开编辑台。"); return; }
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
