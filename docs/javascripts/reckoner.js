/* 党建口袋工具书 — 时间推算 (issue 28): a date calculator under a standard's timeline.
 *
 * The timeline is written at build time (kb/site/templates/standard.html): <ol class="tb-timeline"> with one
 * <li class="tb-timeline__step" data-step="KEY"> per step, its name in .tb-timeline__name, and its time rules as
 * <li class="tb-timeline__rule" data-after="KEY" data-rule="不少于|不超过|以内|恰好" data-amount="N" data-unit="日|月|年">
 * (the rule in words, then its basis mark). After it, <div class="tb-reckoner" data-timeline="ID"> is empty; this
 * script fills it with a form: one date per step, for the dates that have happened. Every later step then shows the
 * earliest and latest dates its rules allow, and an entered date that breaks a rule is flagged with the rule's own
 * words from the page. Without JavaScript the timeline stays as written; the script only adds.
 *
 * A rule counts the step's date from the date of the step it names (`after`):
 *   不少于 N: no earlier than after + N;  不超过 N, 以内 N: no later than after + N (and not before `after`);
 *   恰好 N: exactly after + N.
 * A step's window combines all its rules (the latest earliest, the earliest latest). A step with an entered date
 * is the base for the steps after it; a step without one passes on its window (an earliest date can only give
 * earliest dates, a latest only latest), so 预备期满 (恰好 1 年 from 支部大会) dates the steps counted from it.
 *
 * Counting periods (the convention of the regulations and of 民法典 第二百条 to 第二百零二条):
 *   - periods are counted in calendar years, months and days (第二百条), from the day after the starting day
 *     (第二百零一条: 开始的当日不计入，自下一日开始计算), so N days after 1月20日 is the date N calendar days later
 *     (15 日 → 2月4日);
 *   - N months or years end on the corresponding day of the target month; where that month has no such day, on
 *     its last day (第二百零二条: 到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日):
 *     1月31日 + 1 个月 = 2月28日 (2月29日 in a leap year), 3月31日 + 1 个月 = 4月30日,
 *     2024年2月29日 + 1 年 = 2025年2月28日. A year is 12 months: never days ÷ 365, never 30-day months.
 *   - a last day on a public holiday is not moved (第二百零三条 moves it for civil law; the party's rules here do
 *     not say so, and the page knows no holiday calendar): the page says so under the form.
 * Dates are local calendar dates only: an input's "yyyy-mm-dd" is read as three integers and all arithmetic is on
 * them, never through Date objects and time zones (which can shift a day); a Date gives only the day printed on.
 *
 * Nothing leaves the browser. The dates entered are kept on the reader's device with the other things the site
 * keeps (javascripts/reader.js: window.tbReader, keys under the site's own path), cleared by 清除日期. 打印推算记录
 * prints the record alone (the standard's title, the dates, the windows, the flags: toolbook.css, 时间推算) in the
 * page itself, no new window.
 */
(function () {
  "use strict";

  var boxes = document.querySelectorAll(".tb-reckoner[data-timeline]");
  if (!boxes.length) return;

  var KINDS = ["不少于", "不超过", "以内", "恰好"];
  var UNITS = ["日", "月", "年"];
  var store = window.tbReader || null;  // absent where the browser stores nothing: the form works, keeps nothing

  // -- dates as {y, m, d} integers ------------------------------------------------------------------------------

  function leap(y) { return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0); }
  function monthDays(y, m) { return [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]; }

  function parse(text) {
    var found = /^(\d{4,6})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!found) return null;
    var y = parseInt(found[1], 10), m = parseInt(found[2], 10), d = parseInt(found[3], 10);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > monthDays(y, m)) return null;
    return { y: y, m: m, d: d };
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function iso(t) { return ("000" + t.y).slice(-Math.max(4, String(t.y).length)) + "-" + pad(t.m) + "-" + pad(t.d); }
  function shown(t) { return t.y + "年" + t.m + "月" + t.d + "日"; }
  function compare(a, b) { return (a.y - b.y) || (a.m - b.m) || (a.d - b.d); }
  function later(a, b) { return !a ? b : !b ? a : compare(a, b) >= 0 ? a : b; }
  function earlier(a, b) { return !a ? b : !b ? a : compare(a, b) <= 0 ? a : b; }

  // N calendar months on: the corresponding day of the target month, or its last day (民法典 第二百零二条)
  function addMonths(t, n) {
    var months = t.y * 12 + (t.m - 1) + n;
    var y = Math.floor(months / 12), m = months - y * 12 + 1;
    return { y: y, m: m, d: Math.min(t.d, monthDays(y, m)) };
  }
  // N calendar days on, month by month
  function addDays(t, n) {
    var y = t.y, m = t.m, d = t.d + n;
    while (d > monthDays(y, m)) {
      d -= monthDays(y, m);
      m += 1;
      if (m > 12) { m = 1; y += 1; }
    }
    return { y: y, m: m, d: d };
  }
  function add(t, amount, unit) {
    if (unit === "日") return addDays(t, amount);
    return addMonths(t, unit === "年" ? amount * 12 : amount);
  }

  // -- the timeline as written on the page ----------------------------------------------------------------------

  function words(rule) {
    var copy = rule.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".tb-basis, .tb-cite"), function (e) { e.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim().replace(/[；;，,。：:\s]+$/, "");
  }
  function basis(rule) {
    var mark = rule.querySelector(".tb-basis, .tb-cite");
    return mark ? mark.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function readTimeline(list) {
    var steps = [];
    Array.prototype.forEach.call(list.querySelectorAll(".tb-timeline__step[data-step]"), function (li) {
      var name = li.querySelector(".tb-timeline__name");
      var step = { key: li.getAttribute("data-step"), rules: [],
                   name: (name || li).textContent.replace(/\s+/g, " ").trim() };
      Array.prototype.forEach.call(li.querySelectorAll(".tb-timeline__rule[data-after]"), function (r) {
        var rule = { after: r.getAttribute("data-after"), kind: r.getAttribute("data-rule"),
                     amount: parseInt(r.getAttribute("data-amount"), 10), unit: r.getAttribute("data-unit"),
                     words: words(r), basis: basis(r) };
        if (KINDS.indexOf(rule.kind) >= 0 && UNITS.indexOf(rule.unit) >= 0 && rule.amount >= 0) step.rules.push(rule);
      });
      steps.push(step);
    });
    var keys = steps.map(function (s) { return s.key; });
    steps.forEach(function (s) {
      s.rules = s.rules.filter(function (r) { return r.after !== s.key && keys.indexOf(r.after) >= 0; });
    });
    return steps;
  }

  // -- the reckoning --------------------------------------------------------------------------------------------

  // For each step: its window {lo, hi} (either may be missing); for a step with an entered date, the flags of the
  // rules it breaks; for the others, what each rule allows and which dates are still needed.
  function reckon(steps, known) {
    var lo = {}, hi = {}, names = {}, out = {};
    steps.forEach(function (s) { names[s.key] = s.name; if (known[s.key]) lo[s.key] = hi[s.key] = known[s.key]; });
    steps.forEach(function (s) {
      var date = known[s.key], result = { flags: [], checked: 0, lines: [], waiting: [], lo: null, hi: null };
      out[s.key] = result;
      s.rules.forEach(function (r) {
        var aLo = lo[r.after], aHi = hi[r.after];
        var atLeast = r.kind === "不少于" || r.kind === "恰好", atMost = r.kind !== "不少于";
        if (date) {
          var base = known[r.after];
          if (!base) { if (result.waiting.indexOf(names[r.after]) < 0) result.waiting.push(names[r.after]); return; }
          result.checked += 1;
          var limit = add(base, r.amount, r.unit), why = "“" + r.words + "”" + (r.basis ? "（" + r.basis + "）" : "");
          if (compare(date, base) < 0) {
            var before = "早于“" + names[r.after] + "”的日期（" + shown(base) + "）";
            if (result.flags.indexOf(before) < 0) result.flags.push(before);
          }
          if (r.kind === "恰好" && compare(date, limit) !== 0) result.flags.push(why + "，应在 " + shown(limit));
          else if (r.kind === "不少于" && compare(date, limit) < 0) result.flags.push(why + "，最早 " + shown(limit));
          else if (r.kind !== "恰好" && atMost && compare(date, limit) > 0) result.flags.push(why + "，最晚 " + shown(limit));
          return;
        }
        // a window passed on: an earliest gives an earliest (以内 and 不超过: not before the step counted from)
        var from = atLeast ? (aLo && add(aLo, r.amount, r.unit)) : aLo;
        var to = atMost ? (aHi && add(aHi, r.amount, r.unit)) : null;
        if (!from && !to) { if (result.waiting.indexOf(names[r.after]) < 0) result.waiting.push(names[r.after]); return; }
        result.lo = later(result.lo, from);
        result.hi = earlier(result.hi, to);
        result.lines.push({ rule: r, from: from, to: to });
      });
      if (!date) {
        if (result.lo) lo[s.key] = result.lo;
        if (result.hi) hi[s.key] = result.hi;
      }
    });
    return out;
  }

  // -- the form -------------------------------------------------------------------------------------------------

  var el = window.tbPage.el, today = window.tbPage.today;  // javascripts/reader.js
  function quoted(list) { return list.map(function (n) { return "“" + n + "”"; }).join("、"); }

  function showResult(target, result, date) {
    target.textContent = "";
    fillResult(target, result, date);
    target.hidden = !target.firstChild;
  }
  function fillResult(target, result, date) {
    if (date) {
      if (result.flags.length) {
        var flags = el("ul", "tb-reckoner__flags");
        result.flags.forEach(function (f) { flags.appendChild(el("li", "tb-reckoner__flag", "不符合规定：" + f)); });
        target.appendChild(flags);
      } else if (result.checked) {
        target.appendChild(el("p", "tb-reckoner__ok", "符合本步骤的时间规定。"));
      }
      if (result.waiting.length) {
        target.appendChild(el("p", "tb-reckoner__wait", "填写" + quoted(result.waiting) + "的日期后核对。"));
      }
      return;
    }
    if (result.lo || result.hi) {
      var line = el("p", "tb-reckoner__window");
      if (result.lo && result.hi && compare(result.lo, result.hi) > 0) {
        line.className += " tb-reckoner__flag";
        line.textContent = "按已填写的日期，没有同时符合各项规定的日期（最早 " + shown(result.lo) + "，最晚 " + shown(result.hi) + "）";
      } else if (result.lo && result.hi && compare(result.lo, result.hi) === 0) {
        line.textContent = "应在 " + shown(result.lo);
      } else {
        line.textContent = [result.lo ? "最早 " + shown(result.lo) : "", result.hi ? "最晚 " + shown(result.hi) : ""]
          .filter(Boolean).join("，");
      }
      target.appendChild(line);
      var rules = el("ul", "tb-reckoner__rules");
      result.lines.forEach(function (l) {
        var said = l.from && l.to && compare(l.from, l.to) === 0 ? "应在 " + shown(l.from)
          : [l.from ? "不早于 " + shown(l.from) : "", l.to ? "不晚于 " + shown(l.to) : ""].filter(Boolean).join("，");
        rules.appendChild(el("li", null, "“" + l.rule.words + "”：" + said));
      });
      target.appendChild(rules);
    }
    if (result.waiting.length) {
      target.appendChild(el("p", "tb-reckoner__wait", (result.lines.length ? "其余规定需要" : "需要") +
        quoted(result.waiting) + "的日期。"));
    }
  }

  function reckoner(box, n) {
    var list = document.getElementById(box.getAttribute("data-timeline"));
    if (!list) return;
    var steps = readTimeline(list);
    if (!steps.length) return;
    var here = store && store.here();
    var key = here === null || !store ? null : "reckoner." + here + "#" + box.getAttribute("data-timeline");
    var id = "tb-reckoner-" + n;

    var title = el("h3", "tb-reckoner__title", "时间推算");
    title.id = id + "-title";
    var form = el("form", "tb-reckoner__form");
    form.setAttribute("aria-labelledby", title.id);
    form.noValidate = true;
    form.appendChild(title);
    form.appendChild(el("p", "tb-reckoner__intro",
      "填写已经发生的日期，下面列出其后各步骤按规定最早、最晚可在哪一天，并指出不符合规定的日期。"));
    var head = el("p", "tb-reckoner__printed");  // on paper only: for whom, and when
    head.appendChild(document.createTextNode("姓名："));
    head.appendChild(el("span", "tb-blank"));
    var printed = el("span");
    head.appendChild(printed);
    form.appendChild(head);

    var ol = el("ol", "tb-reckoner__steps");
    var rows = steps.map(function (s, i) {
      var li = el("li", "tb-reckoner__step");
      li.setAttribute("data-step", s.key);
      var label = el("label", "tb-reckoner__name", s.name);
      var input = el("input", "tb-reckoner__input");
      input.type = "date";
      input.id = label.htmlFor = id + "-" + i;
      var entered = el("span", "tb-reckoner__entered");  // on paper, in place of the box
      var result = el("div", "tb-reckoner__result");
      result.id = input.id + "-result";
      input.setAttribute("aria-describedby", result.id);
      li.appendChild(label);
      li.appendChild(input);
      li.appendChild(entered);
      li.appendChild(result);
      ol.appendChild(li);
      return { step: s, input: input, entered: entered, result: result };
    });
    form.appendChild(ol);

    var bar = el("p", "tb-reckoner__bar");
    var print = el("button", "md-button", "打印推算记录");
    print.type = "button";
    var clear = el("button", "md-button", "清除日期");
    clear.type = "button";
    bar.appendChild(print);
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(clear);
    form.appendChild(bar);
    var status = el("p", "tb-reckoner__status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(status);
    form.appendChild(el("p", "tb-meta tb-reckoner__note",
      "按日历推算：几日从次日起算；几个月、几年到期满月份的同一日，该月没有这一日的到月末（如 1月31日 起 1 个月为 2月28日，" +
      "闰年 2月29日），参照民法典第二百零一条、第二百零二条；期满日遇节假日不顺延。"));
    form.appendChild(el("p", "tb-meta tb-reckoner__kept", key ? "填写的日期只保存在这台设备的浏览器里，不会发送到任何地方。"
                                                                : "填写的日期不会发送到任何地方，这个浏览器也不保存它们。"));

    function entered() {
      var known = {};
      rows.forEach(function (r) { var t = parse(r.input.value); if (t) known[r.step.key] = t; });
      return known;
    }

    function update(announce) {
      var known = entered(), results = reckon(steps, known), flagged = [], windows = 0;
      rows.forEach(function (r) {
        var date = known[r.step.key], result = results[r.step.key];
        r.entered.textContent = date ? shown(date) : "　　　年　　月　　日";
        showResult(r.result, result, date);
        var bad = date ? result.flags.length > 0 : !!(result.lo && result.hi && compare(result.lo, result.hi) > 0);
        if (bad) { r.input.setAttribute("aria-invalid", "true"); flagged.push(r.step.name); }
        else r.input.removeAttribute("aria-invalid");
        r.input.parentNode.classList.toggle("tb-reckoner__step--flagged", bad);
        r.input.parentNode.classList.toggle("tb-reckoner__step--known", !!date);
        if (!date && (result.lo || result.hi)) windows += 1;
      });
      if (key) {
        var kept = {}, any = false;
        Object.keys(known).forEach(function (k) { kept[k] = iso(known[k]); any = true; });
        if (any) store.write(key, kept); else store.forget(key);
      }
      if (announce) {
        say((windows ? "已推算 " + windows + " 个步骤的日期范围。" : "") +
            (flagged.length ? "有 " + flagged.length + " 个步骤不符合规定：" + flagged.join("、") + "。"
                            : Object.keys(known).length ? "已填写的日期都没有发现不符合规定。" : ""));
      }
    }
    // said once the typing rests: a date box fires at each digit of the year once month and day are in
    var saying = null;
    function say(text) {
      clearTimeout(saying);
      saying = setTimeout(function () { status.textContent = text; }, 500);
    }

    var kept = key ? store.read(key) : null;
    if (kept && typeof kept === "object") {
      rows.forEach(function (r) {
        var t = typeof kept[r.step.key] === "string" ? parse(kept[r.step.key]) : null;
        if (t) r.input.value = iso(t);
      });
    }
    rows.forEach(function (r) {
      r.input.addEventListener("input", function () { update(true); });
      r.input.addEventListener("change", function () { update(true); });
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); update(true); });
    clear.addEventListener("click", function () {
      if (!rows.some(function (r) { return r.input.value; }) || !window.confirm("清除本页填写的全部日期？")) return;
      rows.forEach(function (r) { r.input.value = ""; });
      update(false);
      say("已清除全部日期。");
      rows[0].input.focus();
    });
    // 打印推算记录: the record alone, the page's title and this form: everything else beside the way from the
    // article down to this box is hidden on paper (toolbook.css, 时间推算)
    function way(on) {
      for (var e = box.parentNode; e && e !== document.body; e = e.parentNode) {
        e.classList.toggle("tb-reckoner__way", on);
        if (e.classList.contains("md-content__inner")) break;
      }
      box.classList.toggle("tb-reckoner--printing", on);
    }
    print.addEventListener("click", function () {
      way(true);
      document.documentElement.classList.add("tb-print-reckoner");
      window.print();
    });
    function dated() { printed.textContent = "推算日期：" + today(); }
    window.addEventListener("beforeprint", dated);  // dated the day it is printed
    window.addEventListener("afterprint", function () {
      document.documentElement.classList.remove("tb-print-reckoner");
      way(false);
    });

    box.appendChild(form);
    box.classList.add("tb-reckoner--live");
    dated();
    update(false);
  }

  Array.prototype.forEach.call(boxes, reckoner);
})();
