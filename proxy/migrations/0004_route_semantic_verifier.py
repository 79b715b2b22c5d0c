from django.db import migrations, models

import proxy.verifier_spec


class Migration(migrations.Migration):

    dependencies = [
        ('proxy', '0003_route_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='modelroute',
            name='semantic_verifier',
            field=models.CharField(blank=True, help_text='Verifier stages a semantic hit must pass, in order, e.g. language,guards,words or strict; empty = LAYERCACHE_SEMANTIC_VERIFIER (docs/semantic-threshold.md).', max_length=200, validators=[proxy.verifier_spec.validate_verifier_spec]),
        ),
    ]
