"""Where the editing desk is served in the preview: the one constant the preview server (kb/engine/serve.py) needs
before a desk exists. Standard library only, nothing imported: kb.desk.http (and ruamel.yaml with it) is imported
only when a desk is made."""

MOUNT = "/_desk/"
