// Opens the rest of a thread in place: "N more replies" fetches the thread's replies as
// HTML (/c/<id>/replies/fragment/) and puts them where its shortened list of replies
// was, then moves the focus to the first comment that was not there before. Without
// JavaScript, or if the fetch fails, the link opens the thread's own page.
(function () {
  "use strict";

  function moveFormInto(list, respond, hostId) {
    // The reply form was open under a comment of the old list: put it back under the
    // same comment in the new one.
    var host = hostId && list.querySelector("#" + hostId + " > .comment-body");
    if (host) {
      host.after(respond);
    }
  }

  function open(link) {
    var comment = document.getElementById("comment-" + link.dataset.commentId);
    if (!comment || link.getAttribute("aria-busy") === "true") {
      return;
    }
    link.setAttribute("aria-busy", "true");
    fetch(link.dataset.fragment, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var list = template.content.querySelector("ol.children");
        var old = comment.querySelector(":scope > ol.children");
        var shown = new Set();
        var respond = null;
        var hostId = null;
        if (old) {
          old.querySelectorAll("li.comment").forEach(function (item) {
            shown.add(item.id);
          });
          respond = old.querySelector("#respond");
          if (respond) {
            hostId = respond.closest("li.comment").id;
            respond.remove();
          }
          old.replaceWith(list);
        } else {
          comment.querySelector(":scope > .comment-body").after(list);
        }
        if (respond) {
          moveFormInto(list, respond, hostId);
        }
        link.closest(".comment-more").remove();
        var first = Array.prototype.find.call(list.querySelectorAll("li.comment"), function (item) {
          return !shown.has(item.id);
        });
        if (first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
      })
      .catch(function () {
        window.location.assign(link.href);
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".comment-more-link");
    // A click with a modifier opens the thread's page in a new tab, as links do.
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    open(link);
  });
})();
