/* 党建口袋工具书 — the search box on phones (partials/tb-search.html; the search itself is javascripts/search.js).
 *
 * The filters that search.js writes into .tb-facets fold behind the 筛选 button on narrow screens (toolbook.css), so
 * that the first result shows at the top; the button appears with the filters and tells how many are on. The
 * placeholder names the "/" key only on screens wide enough to have a keyboard beside them.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-tb-search]");
  if (!root) return;
  var input = root.querySelector(".md-search__input");
  var facets = root.querySelector(".tb-facets");
  var toggle = root.querySelector(".tb-facets-toggle");
  var placeholder = input.placeholder;
  var wide = window.matchMedia("(min-width: 60em)");  // where Material shows the search box in the header

  function hint() { input.placeholder = placeholder + (wide.matches ? "（按 / 聚焦）" : ""); }
  wide.addEventListener("change", hint);
  hint();

  function update() {
    var on = facets.querySelectorAll("[aria-pressed=true]").length;
    toggle.hidden = facets.hidden;
    toggle.textContent = on ? "筛选（已选 " + on + " 项）" : "筛选";
  }
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    root.classList.toggle("tb-facets-open", open);
  });
  new MutationObserver(update).observe(facets, { attributes: true, attributeFilter: ["hidden"], childList: true, subtree: true });
  update();
})();
