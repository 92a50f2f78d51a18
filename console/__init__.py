"""The operator console's home and its site: the figures that need attention
(`console.dashboard`), the admin site that shows them (`console.site`)."""
