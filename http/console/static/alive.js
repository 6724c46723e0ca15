// Signs an open console page out as soon as its session ends elsewhere
// (another device, an admin, a password change): every few seconds it asks
// /console/alive, and goes to the sign-in page on 401.
"use strict";
(function () {
  var url = document.body.getAttribute("data-alive");
  if (!url) return;
  function check() {
    fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (res.status === 401) {
        window.location.assign("/console/?note=signed-out");
        return;
      }
      setTimeout(check, 3000);
    }, function () { setTimeout(check, 3000); });
  }
  setTimeout(check, 3000);
})();
