"""The base form: WTForms' built-in messages in Simplified Chinese."""

from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    class Meta:
        locales = ["zh"]
