"""The REST API (django-ninja): read access to a territory's public objects, card and
survey-answer writes through the same services as the pages, API keys per territory."""
