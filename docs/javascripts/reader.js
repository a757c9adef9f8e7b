/* 党建口袋工具书 — what the site keeps for its reader, on the reader's device only (localStorage: nothing is
 * sent anywhere):
 *
 *   - a standard's checklist as a self-check (达标自查, templates/_macros.html selfcheck): the ticks per standard,
 *     the branch's name, the count "已完成 N / M", a reset, and a dated sheet to print;
 *   - favourites (收藏, the star of templates/_macros.html keep) and the last records viewed (最近浏览), listed
 *     with a way to remove them on the page 我的收藏 (docs/mine.md);
 *   - the dates entered in a standard's 时间推算 (javascripts/reckoner.js, through window.tbReader).
 *
 * Keys start with the site's own path, as the theme's settings do (javascripts/theme-state.js): two copies of the
 * site, e.g. the intranet site and an offline bundle opened from disk (file://), do not mix.
 * Without JavaScript, or where the browser stores nothing, the pages stay as written: a plain checklist and a note.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("__config").textContent);
  var base = new URL(config.base.replace(/\/?$/, "/"), location.href);
  var PREFIX = base.pathname + ".tb.";
  var RECENT = 10;

  function read(name) {
    try { return JSON.parse(localStorage.getItem(PREFIX + name)); } catch (e) { return null; }
  }
  function write(name, value) {
    try { localStorage.setItem(PREFIX + name, JSON.stringify(value)); } catch (e) { /* full or refused */ }
  }
  function forget(name) {
    try { localStorage.removeItem(PREFIX + name); } catch (e) { /* refused */ }
  }
  function storable() {
    try { localStorage.setItem(PREFIX + "probe", "1"); localStorage.removeItem(PREFIX + "probe"); return true; }
    catch (e) { return false; }
  }
  function entries(name) {
    var list = read(name);
    return Array.isArray(list) ? list.filter(function (e) { return e && typeof e.path === "string" && e.title; }) : [];
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function today() {
    var d = new Date();
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日";
  }
  function live(box) {
    Array.prototype.forEach.call(box.querySelectorAll("[data-tb-live]"), function (e) { e.hidden = false; });
  }

  // the page helpers the site's other scripts share (javascripts/reckoner.js), stored or not
  window.tbPage = { el: el, today: today };

  if (!storable()) return;
  // the same keys for the site's other scripts that keep something (javascripts/reckoner.js)
  window.tbReader = { read: read, write: write, forget: forget, here: here };

  // -- 达标自查 -------------------------------------------------------------------------------------------------

  function selfCheck(box) {
    var key = "selfcheck." + box.getAttribute("data-tb-selfcheck");
    var items = Array.prototype.slice.call(box.querySelectorAll(".tb-checklist input[type=checkbox]"));
    var count = box.querySelector("[data-tb-count]");
    var branch = box.querySelector(".tb-selfcheck__branch");
    var branchShown = box.querySelector("[data-tb-branch]");
    var date = box.querySelector("[data-tb-date]");
    var ticked = read(key);
    if (!Array.isArray(ticked)) ticked = [];

    function show() {
      var done = items.filter(function (i) { return i.checked; });
      count.textContent = "已完成 " + done.length + " / " + items.length;
      branchShown.textContent = branch.value.trim() || "　　　　　　　　";
      date.textContent = today();
    }
    function save() {
      var done = items.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
      if (done.length) write(key, done); else forget(key);
      show();
    }

    items.forEach(function (i) {
      i.checked = ticked.indexOf(i.value) >= 0;
      i.addEventListener("change", save);
    });
    branch.value = typeof read("branch") === "string" ? read("branch") : "";
    branch.addEventListener("input", function () {
      if (branch.value.trim()) write("branch", branch.value.trim()); else forget("branch");
      show();
    });
    box.querySelector("[data-tb-reset]").addEventListener("click", function () {
      if (!items.some(function (i) { return i.checked; }) || !window.confirm("清除本页的全部勾选，重新自查？")) return;
      items.forEach(function (i) { i.checked = false; });
      save();
    });
    box.querySelector("[data-tb-print]").addEventListener("click", function () {
      // the sheet alone: the page's title, the checklist, the branch and the date (toolbook.css, @media print)
      document.documentElement.classList.add("tb-print-selfcheck");
      window.print();
    });
    window.addEventListener("beforeprint", show);  // dated the day it is printed
    window.addEventListener("afterprint", function () {
      document.documentElement.classList.remove("tb-print-selfcheck");
    });
    box.classList.add("tb-selfcheck--live");
    live(box);
    show();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-tb-selfcheck]"), selfCheck);

  // -- 收藏 and 最近浏览 ----------------------------------------------------------------------------------------

  // A page's address from the site's root ("standards/dangfei/", offline "standards/dangfei.html"), so that the
  // lists stay right wherever the site is served from.
  function here() {
    return location.pathname.indexOf(base.pathname) === 0 ? location.pathname.slice(base.pathname.length) : null;
  }

  var record = document.querySelector("[data-tb-record]");
  if (record && here() !== null) {
    var entry = { path: here(), title: record.getAttribute("data-tb-title"), kind: record.getAttribute("data-tb-kind") };
    var others = function (list) { return list.filter(function (e) { return e.path !== entry.path; }); };
    write("recent", [entry].concat(others(entries("recent"))).slice(0, RECENT));
    var star = record.querySelector(".tb-star");
    var kept = function () { return entries("favourites").some(function (e) { return e.path === entry.path; }); };
    if (kept()) {  // the title as it is now
      write("favourites", entries("favourites").map(function (e) { return e.path === entry.path ? entry : e; }));
    }
    var press = function (on) {
      star.setAttribute("aria-pressed", String(on));
      star.title = on ? "已收藏，再点一次取消" : "收藏本页，在“我的收藏”里找到它";
    };
    press(kept());
    star.addEventListener("click", function () {
      var now = !kept();
      write("favourites", now ? [entry].concat(others(entries("favourites"))) : others(entries("favourites")));
      press(now);
    });
    record.hidden = false;
  }

  function mine(box) {
    var name = box.getAttribute("data-tb-mine");

    function render(focusAt) {
      var list = entries(name);
      box.textContent = "";
      if (!list.length) {
        var empty = el("p", "tb-mine__empty", box.getAttribute("data-tb-empty"));
        empty.tabIndex = -1;
        box.appendChild(empty);
        if (focusAt !== undefined) empty.focus();
        return;
      }
      var ul = el("ul", "tb-list tb-mine__list");
      list.forEach(function (e, n) {
        var li = el("li");
        var a = el("a", null, e.title);
        a.href = new URL(e.path, base).href;
        li.appendChild(a);
        if (e.kind) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "tb-kind", e.kind)); }
        li.appendChild(document.createTextNode(" "));
        var remove = el("button", "tb-mine__remove", "移除");
        remove.type = "button";
        remove.setAttribute("aria-label", box.getAttribute("data-tb-remove") + "：" + e.title);
        remove.addEventListener("click", function () {
          write(name, entries(name).filter(function (x) { return x.path !== e.path; }));
          render(n);
        });
        li.appendChild(remove);
        ul.appendChild(li);
      });
      box.appendChild(ul);
      var clear = el("button", "md-button tb-mine__clear", box.getAttribute("data-tb-clear"));
      clear.type = "button";
      clear.addEventListener("click", function () {
        if (!window.confirm(box.getAttribute("data-tb-clear") + "？")) return;
        forget(name);
        render(0);
      });
      box.appendChild(clear);
      if (focusAt !== undefined) {  // after a removal, on the next item's button (or the last one's)
        var buttons = ul.querySelectorAll(".tb-mine__remove");
        buttons[Math.min(focusAt, buttons.length - 1)].focus();
      }
    }
    render();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-tb-mine]"), mine);
})();
