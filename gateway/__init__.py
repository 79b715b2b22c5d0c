"""The gateway: one request's orchestration, on top of every app (nothing imports it).

auth -> wire.parse -> limits -> template -> pipeline -> response caches -> upstream (with
retries and fallbacks) -> relay/render -> outcomes -> headers and the request record.
See `handler.py` for the flow and ARCHITECTURE.md for the layout.
"""
