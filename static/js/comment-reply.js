// Moves the comment form under the comment being answered, instead of reloading the
// page with ?replyto=<id>, which stays the way it works without JavaScript.
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  var form = document.getElementById("commentform");
  if (!respond || !form) {
    return;
  }
  var home = document.createComment("comment form home");
  respond.parentNode.insertBefore(home, respond);
  var parentField = form.querySelector("input[name=parent]");
  var title = document.getElementById("reply-title-text");
  var cancel = document.getElementById("cancel-comment-reply-link");
  // In the page's language, from the template (forum/_comment_section.html).
  var heading = document.getElementById("reply-title");
  var defaultTitle = heading.dataset.defaultTitle;
  var replyTitle = heading.dataset.replyTitle;

  function replyTo(link) {
    var comment = document.getElementById("comment-" + link.dataset.commentId);
    comment.querySelector(".comment-body").after(respond);
    parentField.value = link.dataset.commentId;
    title.textContent = replyTitle.replace("%(name)s", link.dataset.author);
    cancel.hidden = false;
    form.querySelector("textarea").focus();
  }

  function cancelReply() {
    home.parentNode.insertBefore(respond, home.nextSibling);
    parentField.value = "";
    title.textContent = defaultTitle;
    cancel.hidden = true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".comment-reply-link");
    if (link) {
      event.preventDefault();
      replyTo(link);
    } else if (event.target === cancel) {
      event.preventDefault();
      cancelReply();
    }
  });
})();
