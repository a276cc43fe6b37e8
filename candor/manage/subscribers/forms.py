from django import forms

from candor.core.models import Component, Page, SubscriberMode


class ComponentChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Component) -> str:  # type: ignore[override]
        return obj.display_name


class AddSubscriberForm(forms.Form):
    mode = forms.ChoiceField(
        choices=SubscriberMode.choices, initial=SubscriberMode.EMAIL, widget=forms.RadioSelect
    )
    email = forms.CharField(
        label="Email address",
        max_length=254,
        required=False,
        help_text="For a webhook: the contact told if it keeps failing (required). For Slack, "
        "Teams or Discord: optional, told if the channel's webhook is removed or keeps failing.",
    )
    endpoint = forms.CharField(
        label="Webhook URL",
        max_length=2000,
        required=False,
        help_text="A webhook's URL, or the Slack, Teams or Discord incoming-webhook URL "
        "(a test message is posted first).",
    )

    def __init__(self, page: Page, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["components"] = ComponentChoice(
            queryset=Component.objects.filter(page=page).select_related("group"),
            required=False,
            help_text="None ticked: every component.",
        )
