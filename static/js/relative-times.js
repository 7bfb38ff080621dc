// Shows comment times as "3 hours ago" in the page's language, kept up to date every
// minute. The server writes the exact time (the page is cached for everyone, so it
// cannot say "ago"); it stays in the title, for hover, and in the datetime attribute.
// Comments put in the page later ("N more replies") are caught by the observer.
(function () {
  "use strict";

  if (!window.Intl || !Intl.RelativeTimeFormat) {
    return; // the exact times stay as they are
  }
  var format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, {
    numeric: "auto",
  });
  var SELECTOR = ".comment-meta time[datetime]";
  // Each unit, and how many seconds it has.
  var UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["week", 7 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
  ];

  function relative(moment, now) {
    // A clock a little ahead of the server's still says "now", never "in 1 minute".
    var seconds = Math.max(0, (now - moment) / 1000);
    for (var index = 0; index < UNITS.length; index++) {
      var count = Math.floor(seconds / UNITS[index][1]);
      if (count >= 1) {
        return format.format(-count, UNITS[index][0]);
      }
    }
    return format.format(0, "second");
  }

  function update(times) {
    var now = Date.now();
    times.forEach(function (time) {
      var moment = Date.parse(time.getAttribute("datetime"));
      if (isNaN(moment)) {
        return;
      }
      if (!time.title) {
        time.title = time.textContent;
      }
      time.textContent = relative(moment, now);
    });
  }

  function updateAll() {
    update(document.querySelectorAll(SELECTOR));
  }

  updateAll();
  window.setInterval(updateAll, 60 * 1000);
  new MutationObserver(function (changes) {
    var added = [];
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType !== Node.ELEMENT_NODE) {
          return;
        }
        if (node.matches(SELECTOR)) {
          added.push(node);
        }
        node.querySelectorAll(SELECTOR).forEach(function (time) {
          added.push(time);
        });
      });
    });
    if (added.length) {
      update(added);
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
