from django import forms
from django.contrib.auth.forms import UserCreationForm


class FirstAdminForm(UserCreationForm):
    email = forms.EmailField(help_text="Password resets and incident reminders go here.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
