"""photoscreen review: a local web app to approve or reject the photos of a report, and export them."""
