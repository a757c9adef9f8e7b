"""The editing desk's back end (issue 26): editors make and fix records in the browser through forms.

    yamledit  round-trip editing of one record file: new values in, the file's new text out, every comment and
              every untouched field kept byte for byte; the result is read back with the strict reader and
              refused (EditRefused) unless it reads as exactly the values given
    records   the store the desk's HTTP layer calls: list, open, save (with conflict detection, the same checks
              as `check --drafts`, and a history of earlier versions outside data/) and undo
    http      the desk over HTTP, answered inside the preview server (written on top of `records`)

`yamledit` and `records` know no engine and no HTTP.
"""
