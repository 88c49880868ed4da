"""What a cinema offers beyond a plain sale: promo codes and waiting lists."""
