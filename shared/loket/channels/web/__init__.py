"""The customer-facing web: the hosted form, its JSON twin and the per-ticket status page.

`views` turns a request into a response; `forms` parses and validates what the customer sent;
`render` writes the HTML (standard-library templates, every value escaped); `i18n` holds the
Indonesian and English strings; `storage` puts attachments in S3.
"""
