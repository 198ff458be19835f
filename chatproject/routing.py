"""Websocket routes under ``/ws/``; the live-events consumer is added with that capability."""

websocket_urlpatterns: list = []
