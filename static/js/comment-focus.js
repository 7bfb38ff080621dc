// Takes keyboard and screen-reader users where the page sends them, as the eye goes
// there: to the summary of what was wrong with their comment, or else to the comment in
// the address (#comment-N: the one just posted, edited, reported or linked to).
// On "load": the browser's own move to the #fragment, which comes before it, would
// otherwise take the focus away again.
window.addEventListener("load", function () {
  "use strict";
  var target = document.getElementById("comment-errors");
  var wanted = /^#comment-\d+$/.exec(window.location.hash);
  if (!target && wanted) {
    var comment = document.getElementById(wanted[0].slice(1));
    target = comment && comment.querySelector(".comment-body");
    if (target) {
      target.setAttribute("tabindex", "-1"); // focusable from a script, not by Tab
    }
  }
  if (target) {
    target.focus();
  }
});
