"""A wave's indicators carry their territory (issue 16): the wave's, filled in for the
rows there are, then required."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    WaveIndicator = apps.get_model("surveys", "WaveIndicator")
    Wave = apps.get_model("surveys", "Wave")
    for wave_id, territory_id in Wave.objects.values_list("id", "territory_id"):
        WaveIndicator.objects.filter(wave_id=wave_id).update(territory_id=territory_id)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0003_wave_anonymised"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="waveindicator",
            name="territory",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="territories.territory",
                                    verbose_name="territory"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="waveindicator",
            name="territory",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="territories.territory",
                                    verbose_name="territory"),
        ),
    ]
