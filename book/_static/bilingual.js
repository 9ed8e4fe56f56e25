// The link from a page to the same page in the other edition (English <-> Persian).
// book/_ext/bilingual.py writes the target, relative to this page, into
// <meta name="bilingual-counterpart">; this draws it as a button in the page header.
document.addEventListener("DOMContentLoaded", function () {
  var meta = document.querySelector('meta[name="bilingual-counterpart"]');
  if (!meta) return;
  var link = document.createElement("a");
  link.href = meta.getAttribute("content") + window.location.hash;
  link.className = "btn bilingual-switch";
  link.lang = meta.getAttribute("data-lang");
  link.hreflang = link.lang;
  link.dir = link.lang === "fa" ? "rtl" : "ltr";
  link.textContent = meta.getAttribute("data-label");
  link.title = link.lang === "fa" ? "این صفحه به فارسی" : "This page in English";
  var where = document.querySelector(".article-header-buttons") ||
              document.querySelector(".header-article-items__end") || document.body;
  where.insertBefore(link, where.firstChild);
});

// On a right-to-left page a table without a Persian letter (numbers, symbols, English
// names) keeps its columns left to right.
document.addEventListener("DOMContentLoaded", function () {
  if (document.documentElement.dir !== "rtl") return;
  document.querySelectorAll("article table").forEach(function (table) {
    if (!/[\u0600-\u06FF]/.test(table.textContent)) table.classList.add("ltr-table");
  });
});
