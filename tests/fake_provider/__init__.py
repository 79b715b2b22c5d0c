"""A real loopback HTTP server speaking the OpenAI, Anthropic and Gemini wire formats.

See provider.FakeProvider for the test API and ``python -m tests.fake_provider``
for the benchmark CLI.
"""

from __future__ import annotations

from .faults import Fault
from .prefix_cache import AnthropicCacheReport, OpenAICacheReport
from .provider import FakeProvider
from .state import ProviderSettings, ReceivedRequest

__all__ = [
    "AnthropicCacheReport",
    "FakeProvider",
    "Fault",
    "OpenAICacheReport",
    "ProviderSettings",
    "ReceivedRequest",
]
