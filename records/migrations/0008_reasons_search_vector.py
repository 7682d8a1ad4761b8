# Placeholder so later migrations can depend on it; filled by the search-vector work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("records", "0007_audit_event_types_security")]

    operations = []
