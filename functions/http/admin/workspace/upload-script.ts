/**
 * The import form's script: the file goes from the browser straight to the blob store through a
 * presigned PUT (so no size limit of the admin function's applies), then the import is started
 * and its page shown. Any failure posts the form as a browser without script would.
 */
export const uploadScript = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-direct-upload]');
  if (!form || !window.fetch) return;
  form.addEventListener('submit', async function (event) {
    var file = form.elements.file.files[0];
    if (!file) return;
    event.preventDefault();
    var post = function (url) {
      return fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        body: new URLSearchParams({ _csrf: form.elements._csrf.value }),
      }).then(function (r) { if (!r.ok) throw new Error(url + ': ' + r.status); return r.json(); });
    };
    try {
      var created = await post('/admin/subscribers/imports');
      var put = await fetch(created.uploadUrl, {
        method: 'PUT',
        headers: { 'content-type': 'text/csv' },
        body: file,
      });
      if (!put.ok) throw new Error('upload: ' + put.status);
      var started = await post('/admin/subscribers/imports/' + created.id + '/start');
      location.assign(started.location);
    } catch (error) {
      HTMLFormElement.prototype.submit.call(form);
    }
  });
});
`;
