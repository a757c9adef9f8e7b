"""The editing desk (编辑台, issue 26): editors make, fix, finalize and publish records in the browser, through forms.

    mount     the desk's address in the preview (/_desk/): all the preview server knows of the desk until it makes one
    yamledit  round-trip editing of one record file: new values in, the file's new text out, every comment and
              every untouched field kept byte for byte; the result is read back with the strict reader and
              refused (EditRefused) unless it reads as exactly the values given
    records   the store the desk's HTTP layer calls: list, open, save (with conflict detection, the same checks
              as `check --drafts`, and a history of earlier versions outside data/) and undo
    actions   the month's work as buttons: new issue, new record, Word import, pictures, finalize, publish
    http      the desk over HTTP, answered inside the preview server (written on top of `records` and `actions`)
    static/   the page, its script and styles, and the vendored parts (json-editor, Toast UI Editor)

`yamledit`, `records` and `actions` know no engine and no HTTP.
"""
