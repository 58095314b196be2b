from django import forms

from .seedfile import MAX_FILE_BYTES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, list | tuple) else [data]) if file]
        if not files:
            return [super().clean(None, initial)]  # raises "This field is required."
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class SeedUploadForm(forms.Form):
    files = MultipleFileField(
        label="Seed files",
        help_text=(
            "One or more .txt files in the seed format: title, date (YYYYMMDD), URL, then one "
            f"paragraph a line. At most {MAX_FILE_BYTES // (1024 * 1024)} MB each."
        ),
    )
