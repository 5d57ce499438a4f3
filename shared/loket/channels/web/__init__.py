"""The customer-facing web: the hosted form, its JSON twin and the per-ticket status page.

`views` reads each request once (`WebRequest`) and turns it into a response; `forms` parses and validates
what the customer sent; `schemas` is the JSON twin's body; `web_form` holds the use cases (create, status
view, reply, download link) on top of `loket.core`; `render` writes the HTML (standard-library templates,
every value escaped); `i18n` holds the Indonesian and English strings. Files go to S3 through
`loket.platform.attachments`, status links come from `loket.core.status_links`. The handler is
`functions/web_form/app.py`.
"""
