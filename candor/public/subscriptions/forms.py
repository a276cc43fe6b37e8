from django import forms

from candor.core.models import Component, Page


class ComponentsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Component) -> str:  # type: ignore[override]
        return obj.display_name


def _components(page: Page) -> ComponentsField:
    return ComponentsField(
        queryset=Component.objects.filter(page=page).select_related("group"),
        required=False,
        label="Components",
        help_text="Leave all unticked to hear about everything.",
    )


class EmailForm(forms.Form):
    email = forms.CharField(label="Email address", max_length=254)

    def __init__(self, page: Page, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["components"] = _components(page)


class WebhookForm(forms.Form):
    endpoint = forms.CharField(label="Webhook URL", max_length=2000)
    email = forms.CharField(
        label="Contact email",
        max_length=254,
        help_text="Told if the endpoint keeps failing.",
    )

    def __init__(self, page: Page, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["components"] = _components(page)


class ComponentsForm(forms.Form):
    def __init__(self, page: Page, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["components"] = _components(page)
