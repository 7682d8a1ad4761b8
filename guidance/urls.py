app_name = "guidance"

# Filled in by the guidance issue: index, search, one page per slug.
urlpatterns: list = []
