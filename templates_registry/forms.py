"""Admin forms: a version's content is edited as one YAML definition in the file format."""

from __future__ import annotations

from typing import Any

from django import forms

from templates_registry.models import PromptTemplate
from templates_registry.spec import Content, SpecError, load_definition

DEFINITION_HELP = (
    "YAML in the template file format: L0 and L1 (lists of {role: system, content}), tools "
    "(OpenAI function tools), variables (name: default, or null if required; use {{name}} in "
    "content) and enhancements. Saving creates a new version; versions are never edited."
)


class DefinitionField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 28, "cols": 110, "style": "font-family: monospace", "spellcheck": "false"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", DEFINITION_HELP)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Content:
        text = super().clean(value)
        try:
            return load_definition(text)
        except SpecError as exc:
            raise forms.ValidationError(str(exc)) from None


class NewVersionForm(forms.Form):
    definition = DefinitionField()
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 110}), help_text="What changed and why."
    )
    activate = forms.BooleanField(required=False, initial=True, help_text="Make the new version active now.")


class PromptTemplateAddForm(forms.ModelForm):
    """A new template together with its first version."""

    definition = DefinitionField()
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 110}))

    class Meta:
        model = PromptTemplate
        fields = ["team", "name", "description", "tags"]
