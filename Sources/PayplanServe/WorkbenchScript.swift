/// The workbench's only script, inline in the page and allowed by its hash
/// in the Content-Security-Policy (no other script can run). It does what
/// needs interaction and nothing else: after an edit (debounced), it posts
/// the changed values to `/panel` and puts the server-rendered answer in
/// place, keeping the address bar's query in step so a reload or a shared
/// link shows the same candidate. Without it the form still works: its
/// submit button asks the server for the same page.
enum WorkbenchScript {
    static let text = """
        document.addEventListener('DOMContentLoaded', function () {
          'use strict';
          var form = document.getElementById('editor');
          var panel = document.getElementById('panel');
          if (!form || !panel) { return; }
          var timer = null, controller = null, sequence = 0;
          function changes() {
            var set = {}, inputs = form.querySelectorAll('input[data-path]');
            for (var i = 0; i < inputs.length; i++) {
              var input = inputs[i], path = input.getAttribute('data-path');
              var changed = input.value.trim() !== input.getAttribute('data-base');
              input.classList.toggle('changed', changed);
              if (changed) { set[path] = input.value.trim(); }
            }
            return set;
          }
          function address(set) {
            var q = ['period=' + encodeURIComponent(form.getAttribute('data-period')),
                     'lang=' + encodeURIComponent(form.getAttribute('data-lang'))];
            Object.keys(set).forEach(function (k) { q.push(encodeURIComponent(k) + '=' + encodeURIComponent(set[k])); });
            return '/?' + q.join('&');
          }
          function update() {
            var set = changes();
            if (controller) { controller.abort(); }
            controller = new AbortController();
            var mine = ++sequence;
            panel.setAttribute('aria-busy', 'true');
            fetch('/panel', {
              method: 'POST', credentials: 'same-origin', signal: controller.signal,
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ period: form.getAttribute('data-period'), lang: form.getAttribute('data-lang'), set: set })
            }).then(function (response) {
              return response.text().then(function (text) { return { status: response.status, text: text }; });
            }).then(function (reply) {
              if (mine !== sequence) { return; }
              panel.innerHTML = reply.text;
              panel.setAttribute('data-status', String(reply.status));
              panel.setAttribute('aria-busy', 'false');
              history.replaceState(null, '', address(set));
            }).catch(function (error) {
              if (error && error.name === 'AbortError') { return; }
              panel.setAttribute('aria-busy', 'false');
              panel.setAttribute('data-status', 'offline');
              panel.textContent = 'The workbench did not answer (' + String(error) + '). Is payplan serve still running?';
            });
          }
          form.addEventListener('input', function () {
            clearTimeout(timer);
            timer = setTimeout(update, 150);
          });
          form.addEventListener('submit', function (event) {
            event.preventDefault();
            clearTimeout(timer);
            update();
          });
          form.addEventListener('click', function (event) {
            var target = event.target;
            if (!target || !target.hasAttribute('data-reset')) { return; }
            var inputs = form.querySelectorAll('input[data-path]');
            for (var i = 0; i < inputs.length; i++) {
              var path = target.getAttribute('data-reset');
              if (path === '*' || inputs[i].getAttribute('data-path') === path) { inputs[i].value = inputs[i].getAttribute('data-base'); }
            }
            update();
          });
          changes();
        });
        """

    static let hash = ScriptHash.of(text)
}
